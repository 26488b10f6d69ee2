package dev.conveyor.definitions;

import java.util.List;
import java.util.Objects;

/**
 * The Chronos scheduler that runs an environment's batch jobs.
 *
 * @param url base URL, e.g. {@code http://chronos.prod:4400}; may hold {@code ${env:NAME}}
 *     references, which the worker resolves
 * @param apiPrefix path of the scheduler API under {@code url}: {@link #V3_PREFIX} for Chronos 3.x
 *     (the default), {@link #V2_PREFIX} for 2.x
 */
public record ChronosEndpoint(String url, String apiPrefix) {

  /** Chronos 3.x: {@code /v1/scheduler/iso8601}, {@code /v1/scheduler/jobs}, ... */
  public static final String V3_PREFIX = "/v1/scheduler";

  /** Chronos 2.x: {@code /scheduler/iso8601}, {@code /scheduler/jobs}, ... */
  public static final String V2_PREFIX = "/scheduler";

  /** The values {@code apiPrefix} may take. */
  public static final List<String> PREFIXES = List.of(V3_PREFIX, V2_PREFIX);

  public ChronosEndpoint {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(apiPrefix, "apiPrefix");
    if (!PREFIXES.contains(apiPrefix)) {
      throw new IllegalArgumentException(
          "apiPrefix must be one of " + PREFIXES + ", not '" + apiPrefix + "'");
    }
  }

  /** A Chronos 3.x endpoint. */
  public ChronosEndpoint(String url) {
    this(url, V3_PREFIX);
  }
}
