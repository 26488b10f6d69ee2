package dev.conveyor.workflows.deploy;

import dev.conveyor.workflows.lane.LaneMember;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One commit of one service to one environment, proven healthy. Id: {@code
 * deploy/<env>/<service>/<commit12>} (see {@link dev.conveyor.workflows.WorkflowIds}).
 *
 * <p>Before its first step it waits for its turn in the lane of (env, service) ({@link
 * LaneMember}); inside a release it also waits at the release gate after the push ({@link
 * ReleaseGate}).
 */
@WorkflowInterface
public interface ServiceDeploymentWorkflow extends LaneMember {
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
}
