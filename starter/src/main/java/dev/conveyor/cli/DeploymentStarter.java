package dev.conveyor.cli;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributeKey;

/**
 * Starts a {@link ServiceDeploymentWorkflow}: the one place that knows its id, task queue, search
 * attributes and id policies, shared by {@code deploy}, the post-receive hook and the webhook.
 *
 * <p>Idempotent by workflow id: the id is {@code deploy/<env>/<service>/<commit12>}, a start while
 * one with that id runs is refused (conflict policy FAIL), and a new run after a completed one is
 * refused too (reuse policy: only after a failed, cancelled, terminated or timed-out run). Asking
 * twice therefore starts one workflow and the second answer says it already exists.
 */
public final class DeploymentStarter {
  private final WorkflowClient client;

  /** A starter that starts through {@code client}. */
  public DeploymentStarter(WorkflowClient client) {
    this.client = client;
  }

  /** The client it starts through. */
  public WorkflowClient client() {
    return client;
  }

  /**
   * Starts the deployment, or reports the one that already has its id.
   *
   * @throws io.temporal.client.WorkflowServiceException or {@link io.grpc.StatusRuntimeException}
   *     when Temporal cannot be reached or refuses the request
   */
  public StartOutcome start(DeployRequest request) {
    String workflowId = WorkflowIds.deployment(request.env(), request.service(), request.commit());
    ServiceDeploymentWorkflow workflow =
        client.newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            onceOptions(
                workflowId,
                SearchAttributes.SERVICE,
                request.service(),
                request.env(),
                request.commit(),
                "deploy "));
    return startOnce(client, workflowId, () -> WorkflowClient.start(workflow::deploy, request));
  }

  /**
   * Options of a deployment-like workflow (a service's or a job's) started at most once per id: the
   * control queue, the id policies above, search attributes naming the workload ({@code
   * workloadKey}), env, commit and status {@code running}, and the summary {@code <verb><name>
   * <commit12> to <env>}.
   */
  static WorkflowOptions onceOptions(
      String workflowId,
      SearchAttributeKey<String> workloadKey,
      String name,
      String env,
      String commit,
      String verb) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowIdReusePolicy(
            WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
        .setTypedSearchAttributes(
            io.temporal.common.SearchAttributes.newBuilder()
                .set(workloadKey, name)
                .set(SearchAttributes.ENV, env)
                .set(SearchAttributes.COMMIT, commit)
                .set(SearchAttributes.STATUS, "running")
                .build())
        .setStaticSummary(verb + name + " " + WorkflowIds.shortCommit(commit) + " to " + env)
        .build();
  }

  /** Runs {@code start}; when the id is taken, reports the existing run and its status instead. */
  static StartOutcome startOnce(WorkflowClient client, String workflowId, Runnable start) {
    try {
      start.run();
      return StartOutcome.started(workflowId);
    } catch (WorkflowExecutionAlreadyStarted already) {
      WorkflowExecutionStatus status =
          client.newUntypedWorkflowStub(workflowId).describe().getStatus();
      return StartOutcome.existing(
          workflowId, status.name().replace("WORKFLOW_EXECUTION_STATUS_", ""));
    }
  }
}
