package dev.conveyor.workflows.deploy;

import dev.conveyor.workflows.control.Pausable;
import dev.conveyor.workflows.lane.LaneMember;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One commit of one service to one environment, proven healthy. Id: {@code
 * deploy/<env>/<service>/<commit12>} (see {@link dev.conveyor.workflows.WorkflowIds}).
 *
 * <p>Before its first step it waits for its turn in the lane of (env, service) ({@link
 * LaneMember}); inside a release it also waits at the release gate after the push ({@link
 * ReleaseGate}).
 *
 * <p>Operators pause, resume and abort it between steps ({@link Pausable}; what abort does at each
 * step: docs/operations.md).
 */
@WorkflowInterface
public interface ServiceDeploymentWorkflow extends LaneMember, Pausable {
  @WorkflowMethod
  DeployResult deploy(DeployRequest request);

  /** Each step's state, times and results so far. */
  @QueryMethod
  DeployStatus status();

  /** From the release: the dependencies are healthy, go on with KV, commit, deploy and health. */
  @SignalMethod
  void proceed(GateProceed proceed);

  /** From the release: end without changing the environment (e.g. a dependency failed). */
  @SignalMethod
  void skip(GateSkip skip);

  /**
   * Fire-and-forget rollback: mid-flight, during the health gate or in the bake window after
   * success. A request that cannot be honoured (nothing to roll back to, already ended) is logged
   * and ignored; use {@link #requestRollback} for an answer. See docs/operations.md.
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
