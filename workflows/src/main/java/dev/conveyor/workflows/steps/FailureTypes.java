package dev.conveyor.workflows.steps;

/**
 * Application failure types shared by activities (which throw them) and workflows (which list them
 * as non-retryable). A type here means "retrying will not help": the input or the remote's answer
 * must change first.
 */
public final class FailureTypes {
  /** conveyor.yaml or an app template is invalid; the message carries every validator problem. */
  public static final String INVALID_DEFINITIONS = "InvalidDefinitions";

  /** The source commit, Dockerfile or context does not exist, or the Dockerfile fails to build. */
  public static final String BUILD_FAILED = "BuildFailed";

  /** A remote rejected the request as invalid (HTTP 400/422); the message carries its details. */
  public static final String REJECTED = "Rejected";

  /** A remote refused our credentials (HTTP 401/403). */
  public static final String UNAUTHORIZED = "Unauthorized";

  /** The new version did not become healthy before the deadline. */
  public static final String HEALTH_DEADLINE = "HealthDeadline";

  /** A job's smoke run failed, or did not succeed before its deadline. */
  public static final String SMOKE_RUN_FAILED = "SmokeRunFailed";

  /** A worker-side setting is missing or wrong (e.g. a secret reference names no variable). */
  public static final String MISCONFIGURED = "Misconfigured";

  private FailureTypes() {}
}
