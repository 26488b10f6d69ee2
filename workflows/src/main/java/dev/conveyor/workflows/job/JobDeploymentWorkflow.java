package dev.conveyor.workflows.job;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One commit of one batch job to one environment's Chronos, registered and (optionally) proven by
 * one successful run. Id: {@code job/<env>/<job>/<commit12>} (see {@link
 * dev.conveyor.workflows.WorkflowIds#job}).
 */
@WorkflowInterface
public interface JobDeploymentWorkflow {
  @WorkflowMethod
  JobDeployResult deploy(JobDeployRequest request);

  /** Each step's state, times and results so far. */
  @QueryMethod
  JobDeployStatus status();
}
