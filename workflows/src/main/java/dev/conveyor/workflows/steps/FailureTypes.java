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

  /**
   * A rollback has no earlier version to return to (the service was never deployed to the
   * environment before, or the named version does not exist).
   */
  public static final String NOTHING_TO_ROLL_BACK = "NothingToRollBack";

  /**
   * The environment moved on under the operation: e.g. a newer deployment replaced the version a
   * rollback was meant to undo. Retrying the same request cannot succeed.
   */
  public static final String CONFLICT = "Conflict";

  private FailureTypes() {}
}
