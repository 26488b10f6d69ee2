package dev.conveyor.workflows.release;

import dev.conveyor.workflows.deploy.GateHolder;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Deploys the services of a stack (or a subset) to one environment in dependency order, as child
 * {@code ServiceDeploymentWorkflow}s. Id: {@code release/<env>/<stack>/<releaseId>} (see {@link
 * dev.conveyor.workflows.WorkflowIds#release}). Rules: docs/releases.md.
 *
 * <p>Its children signal {@link GateHolder#built} when their image is pushed.
 */
@WorkflowInterface
public interface StackReleaseWorkflow extends GateHolder {
  /**
   * Returns when every service succeeded (or was left to a newer deployment of it). Otherwise the
   * workflow fails with type {@code ReleaseFailed}, a message naming each service that failed or
   * was skipped, and the same {@link ReleaseResult} as the failure's details.
   */
  @WorkflowMethod
  ReleaseResult release(ReleaseRequest request);

  /** The dependency graph with each service's state, times, image and config commit so far. */
  @QueryMethod
  ReleaseStatus status();
}
