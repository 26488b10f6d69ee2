package dev.conveyor.workflows.deploy;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One commit of one service to one environment, proven healthy. Id: {@code
 * deploy/<env>/<service>/<commit12>} (see {@link dev.conveyor.workflows.WorkflowIds}).
 */
@WorkflowInterface
public interface ServiceDeploymentWorkflow {
  @WorkflowMethod
  DeployResult deploy(DeployRequest request);

  /** Each step's state, times and results so far. */
  @QueryMethod
  DeployStatus status();
}
