package dev.conveyor.cli;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.job.JobDeployRequest;
import dev.conveyor.workflows.job.JobDeploymentWorkflow;
import io.temporal.client.WorkflowClient;

/**
 * Starts a {@link JobDeploymentWorkflow}: its id, task queue, search attributes and id policies in
 * one place, as {@link DeploymentStarter} has them for services.
 *
 * <p>Idempotent by workflow id: the id is {@code job/<env>/<job>/<commit12>}; a start while one
 * with that id runs is refused (conflict policy FAIL), and so is a new run after a completed one
 * (reuse policy: only after a failed, cancelled, terminated or timed-out run, e.g. one rolled
 * back). Asking twice therefore starts one workflow and the second answer says it already exists.
 */
final class JobDeploymentStarter {
  private final WorkflowClient client;

  JobDeploymentStarter(WorkflowClient client) {
    this.client = client;
  }

  /**
   * Starts the job deployment, or reports the one that already has its id.
   *
   * @throws io.temporal.client.WorkflowServiceException or {@link io.grpc.StatusRuntimeException}
   *     when Temporal cannot be reached or refuses the request
   */
  StartOutcome start(JobDeployRequest request) {
    String workflowId = WorkflowIds.job(request.env(), request.job(), request.commit());
    JobDeploymentWorkflow workflow =
        client.newWorkflowStub(
            JobDeploymentWorkflow.class,
            DeploymentStarter.onceOptions(
                workflowId,
                SearchAttributes.JOB,
                request.job(),
                request.env(),
                request.commit(),
                "deploy job "));
    return DeploymentStarter.startOnce(
        client, workflowId, () -> WorkflowClient.start(workflow::deploy, request));
  }
}
