package dev.conveyor.workflows.job;

import dev.conveyor.workflows.deploy.RollbackRequest;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One commit of one batch job to one environment's Chronos, registered and (optionally) proven by
 * one successful run. Id: {@code job/<env>/<job>/<commit12>} (see {@link
 * dev.conveyor.workflows.WorkflowIds#job}).
 *
 * <p>While it runs it accepts a rollback ({@link #rollback}, {@link #requestRollback}); it has no
 * bake window, so once it has ended a job is rolled back by {@link JobRollbackWorkflow} ({@code
 * ./conveyor rollback --job}). See docs/jobs.md.
 */
@WorkflowInterface
public interface JobDeploymentWorkflow {
  @WorkflowMethod
  JobDeployResult deploy(JobDeployRequest request);

  /** Each step's state, times and results so far. */
  @QueryMethod
  JobDeployStatus status();

  /**
   * Fire-and-forget rollback while the deployment runs: the build, the dependencies gate and the
   * smoke run stop at once, the quick writes (KV, commit, register, verify) finish first. What was
   * changed is undone: KV, then the config repo and Chronos as far as they were reached. A request
   * that cannot be honoured (no reason, nothing to roll back to, already ended) is logged and
   * ignored; use {@link #requestRollback} for an answer.
   */
  @SignalMethod
  void rollback(RollbackRequest request);

  /**
   * The same as {@link #rollback}, answered: accepted (the returned text says what happens) or
   * rejected by {@link #validateRollback} before anything is recorded in the history.
   */
  @UpdateMethod
  String requestRollback(RollbackRequest request);

  /** Rejects a rollback with nothing to roll back to, a repeated one, or one after the end. */
  @UpdateValidatorMethod(updateName = "requestRollback")
  void validateRollback(RollbackRequest request);
}
