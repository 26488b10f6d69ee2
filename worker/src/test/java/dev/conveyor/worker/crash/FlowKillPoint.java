package dev.conveyor.worker.crash;

import java.util.Locale;

/**
 * Where the kill suite SIGKILLs the worker while a release or a rollback is in flight, next to the
 * 24 step points of a single deployment ({@link KillPoint}). Each has its own world and its own
 * setup (a rollback needs a deployment to roll back); all share the suite's one SIGKILL.
 */
enum FlowKillPoint {
  RELEASE_CHILDREN_IN_FLIGHT(
      "release of a 3-service chain a <- b <- c: a's health gate polls (its new task not healthy"
          + " yet), b's push is done and unreported, c is built and waits at its gate",
      "AwaitHealthy of a; Push of b",
      "a: Marathon on a held clock; b: interceptor; c: its gate (a is not healthy)"),
  ROLLBACK_INSIDE_DEPLOY(
      "./conveyor rollback (RollbackWorkflow) after a deployment: Marathon accepted the restored"
          + " version's PUT, its answer (behind a proxy) never reaches the worker",
      "Deploy",
      "proxy forwards, holds the answer"),
  ROLLBACK_INSIDE_HEALTH(
      "./conveyor rollback (RollbackWorkflow) after a deployment: the health gate polls the"
          + " restored version, whose task is not healthy yet",
      "AwaitHealthy",
      "Marathon on a held clock, let go after the kill"),
  BAKE_ROLLBACK_AFTER_COMMIT(
      "rollback signal in the bake window: the rollback commit is pushed to the config repo;"
          + " Temporal has not heard",
      "CommitRollback",
      "interceptor"),
  BAKE_ROLLBACK_INSIDE_HEALTH(
      "rollback signal in the bake window: config and KV are back, the restored version is"
          + " deployed and its health gate polls (task not healthy yet)",
      "AwaitHealthy",
      "Marathon on a held clock, let go after the kill");

  /** What was in flight when the worker died. */
  final String inFlight;

  /** The activity (or activities) in flight, as Temporal names them. */
  final String activities;

  /** How the flow is held at the point. */
  final String heldBy;

  FlowKillPoint(String inFlight, String activities, String heldBy) {
    this.inFlight = inFlight;
    this.activities = activities;
    this.heldBy = heldBy;
  }

  /** e.g. {@code rollback-inside-health}. */
  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @Override
  public String toString() {
    return label();
  }
}
