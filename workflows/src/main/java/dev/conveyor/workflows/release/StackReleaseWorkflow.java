package dev.conveyor.workflows.release;

import dev.conveyor.workflows.control.Pausable;
import dev.conveyor.workflows.deploy.GateHolder;
import dev.conveyor.workflows.deploy.RollbackRequest;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Deploys the services of a stack (or a subset) to one environment in dependency order, as child
 * {@code ServiceDeploymentWorkflow}s, then the stack's jobs after the services they depend on, as
 * child {@code JobDeploymentWorkflow}s. Id: {@code release/<env>/<stack>/<releaseId>} (see {@link
 * dev.conveyor.workflows.WorkflowIds#release}). Rules: docs/releases.md.
 *
 * <p>Its children signal {@link GateHolder#built} when their image is pushed. Operators may pause,
 * resume or abort it ({@link Pausable}) and roll it back ({@link #rollback}, {@link
 * #requestRollback}).
 */
@WorkflowInterface
public interface StackReleaseWorkflow extends GateHolder, Pausable {
  /**
   * Returns when every service succeeded (or was left to a newer deployment of it). Otherwise the
   * workflow fails with type {@code ReleaseFailed} (a service failed or was skipped), {@code
   * ReleaseRolledBack}, {@code ReleaseRollbackFailed} or {@code ReleaseAborted}, a message naming
   * each service that did not succeed, and the same {@link ReleaseResult} as the failure's details.
   */
  @WorkflowMethod
  ReleaseResult release(ReleaseRequest request);

  /** The dependency graph with each service's state, times, image and config commit so far. */
  @QueryMethod
  ReleaseStatus status();

  /**
   * Fire-and-forget rollback of the whole release, while it runs or in its bake window: no new
   * deployment starts, the ones that made no change yet end without one, and every service the
   * release deployed is rolled back in reverse dependency order (dependents first), each once all
   * its dependents' rollbacks ended. A request that cannot be honoured (no reason, already rolling
   * back, aborted) is logged and ignored; use {@link #requestRollback} for an answer.
   */
  @SignalMethod
  void rollback(RollbackRequest request);

  /** The same as {@link #rollback}, answered: what happens, or rejected by the validator. */
  @UpdateMethod
  String requestRollback(RollbackRequest request);

  /** Rejects a rollback without a reason, a repeated one, one after an abort or after the end. */
  @UpdateValidatorMethod(updateName = "requestRollback")
  void validateRollback(RollbackRequest request);
}
