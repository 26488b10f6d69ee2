package dev.conveyor.workflows.release;

/** Where one service of a release stands. */
public enum ServiceState {
  /** Not started: waits for a build slot. */
  PENDING,
  /** Its deployment runs: lane, resolve, build, push. */
  BUILDING,
  /** Built and pushed; waits for its dependencies in the release. */
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
  SUPERSEDED;

  public boolean ended() {
    return this == SUCCEEDED || this == FAILED || this == SKIPPED || this == SUPERSEDED;
  }
}
