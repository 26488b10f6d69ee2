package dev.conveyor.workflows;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Custom search attributes (all Keyword) that Conveyor sets and upserts, so the Temporal UI can
 * filter "all running deploys to prod". They must be registered on the namespace before a workflow
 * upserts them; the worker does so at start ({@link #ALL} lists them).
 */
public final class SearchAttributes {
  public static final SearchAttributeKey<String> SERVICE =
      SearchAttributeKey.forKeyword("ConveyorService");
  public static final SearchAttributeKey<String> ENV = SearchAttributeKey.forKeyword("ConveyorEnv");
  public static final SearchAttributeKey<String> STACK =
      SearchAttributeKey.forKeyword("ConveyorStack");
  public static final SearchAttributeKey<String> COMMIT =
      SearchAttributeKey.forKeyword("ConveyorCommit");
  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("ConveyorStatus");
  public static final SearchAttributeKey<String> STEP =
      SearchAttributeKey.forKeyword("ConveyorStep");

  /** The job a job deployment deploys (service deployments set {@link #SERVICE} instead). */
  public static final SearchAttributeKey<String> JOB = SearchAttributeKey.forKeyword("ConveyorJob");

  public static final List<SearchAttributeKey<String>> ALL =
      List.of(SERVICE, ENV, STACK, COMMIT, STATUS, STEP, JOB);

  private SearchAttributes() {}
}
