package dev.conveyor.workflows.release;

/** Where one service (or job) of a release stands. */
public enum ServiceState {
  /** Not started: waits for a build slot (a job: for the services it depends on). */
  PENDING,
  /** Its deployment runs: lane, resolve, build, push. */
  BUILDING,
  /** Built and pushed; waits for its dependencies in the release (or for a paused release). */
  WAITING,
  /** Its dependencies outside the release are being checked on the target. */
  CHECKING,
  /** The gate is open: KV, config commit, deploy, health gate. */
  DEPLOYING,
  /** Deployed and healthy. */
  SUCCEEDED,
  /** Its deployment failed, or a dependency outside the release never turned healthy. */
  FAILED,
  /** Not deployed because a dependency failed; nothing in the environment changed. */
  SKIPPED,
  /** Left to another deployment of the same service (newer, or already running). */
  SUPERSEDED,
  /**
   * Not deployed because the release was aborted or rolled back before its first change to the
   * environment; nothing in the environment changed.
   */
  CANCELLED,
  /** Its deployment stopped on an operator's abort, on its old version. */
  ABORTED,
  /** The release's rollback is making its previous version live again. */
  ROLLING_BACK,
  /** Deployed by the release, then rolled back: its previous version is live again. */
  ROLLED_BACK,
  /** The release's rollback could not make its previous version live; the detail says why. */
  ROLLBACK_FAILED;

  public boolean ended() {
    return this == SUCCEEDED
        || this == FAILED
        || this == SKIPPED
        || this == SUPERSEDED
        || this == CANCELLED
        || this == ABORTED
        || this == ROLLED_BACK
        || this == ROLLBACK_FAILED;
  }
}
