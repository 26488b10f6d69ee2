package dev.conveyor.workflows.release;

import java.util.List;

/**
 * Answer of the {@code status} query: the release's services in start order (dependencies before
 * their dependents), each with its state.
 *
 * @param outcome {@code RUNNING}, {@code PAUSED}, {@code BAKING} (all succeeded; open for a
 *     rollback), {@code ROLLING_BACK}, {@code ABORTING}, then {@code SUCCEEDED}, {@code FAILED},
 *     {@code ROLLED_BACK}, {@code ROLLBACK_FAILED} or {@code ABORTED}
 * @param definitionsCommit the config repo commit the plan was read at, once read
 * @param jobs the stack's jobs in start order; empty when none
 * @param control the operator's last pause, resume, abort or rollback, null when none
 */
public record ReleaseStatus(
    String workflowId,
    String env,
    String stack,
    String outcome,
    String definitionsCommit,
    List<ServiceRelease> services,
    List<JobRelease> jobs,
    String control) {

  /** A status without jobs or operator control. */
  public ReleaseStatus(
      String workflowId,
      String env,
      String stack,
      String outcome,
      String definitionsCommit,
      List<ServiceRelease> services) {
    this(workflowId, env, stack, outcome, definitionsCommit, services, null, null);
  }
}
