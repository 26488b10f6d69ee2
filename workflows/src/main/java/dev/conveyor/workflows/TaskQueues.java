package dev.conveyor.workflows;

/** Task queue names: the one place that says which worker serves which work. */
public final class TaskQueues {
  /** Workflow tasks and every activity that needs no Docker engine: KV, Git, targets, notify. */
  public static final String CONTROL = "conveyor-control";

  /** Build and push: served only by workers on hosts with a Docker engine. */
  public static final String BUILD = "conveyor-build";

  private TaskQueues() {}
}
