package dev.conveyor.workflows.release;

import java.util.List;
import java.util.Map;

/**
 * What to release where, and who asked.
 *
 * @param definitions the config repo: a path on the worker's host or a Git URL
 * @param services an explicit subset of the stack; empty (or null) for the whole stack
 * @param commits service → commit for pinned services; the others deploy the head of their
 *     repository's default branch (resolved by the plan activity)
 * @param force passed to every deployment (Marathon force)
 * @param buildConcurrency how many services may be in their build phase (lane, resolve, build,
 *     push) at once; 0 or less means {@value StackReleaseWorkflowImpl#DEFAULT_BUILD_CONCURRENCY}
 * @param preconditionTimeoutSeconds how long a dependency that is not deployed by this release may
 *     take to be healthy on the target before its dependents fail; 0 or less means 10 minutes
 * @param images service → digest-pinned image for services that deploy an existing image without
 *     build or push (a promotion); null or missing entries build as usual
 * @param bakeSeconds how long a release whose services all succeeded stays open for a {@code
 *     rollback} signal (its bake window); 0 or less: it ends at once (services are then rolled back
 *     one by one with {@code ./conveyor rollback})
 */
public record ReleaseRequest(
    String definitions,
    String env,
    String stack,
    List<String> services,
    Map<String, String> commits,
    String requestedBy,
    boolean force,
    int buildConcurrency,
    long preconditionTimeoutSeconds,
    Map<String, String> images,
    long bakeSeconds) {

  /** A release without a bake window. */
  public ReleaseRequest(
      String definitions,
      String env,
      String stack,
      List<String> services,
      Map<String, String> commits,
      String requestedBy,
      boolean force,
      int buildConcurrency,
      long preconditionTimeoutSeconds,
      Map<String, String> images) {
    this(
        definitions,
        env,
        stack,
        services,
        commits,
        requestedBy,
        force,
        buildConcurrency,
        preconditionTimeoutSeconds,
        images,
        0);
  }

  /** A release that builds every image. */
  public ReleaseRequest(
      String definitions,
      String env,
      String stack,
      List<String> services,
      Map<String, String> commits,
      String requestedBy,
      boolean force,
      int buildConcurrency,
      long preconditionTimeoutSeconds) {
    this(
        definitions,
        env,
        stack,
        services,
        commits,
        requestedBy,
        force,
        buildConcurrency,
        preconditionTimeoutSeconds,
        null);
  }
}
