package dev.conveyor.cli.release;

import dev.conveyor.cli.StartOutcome;
import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.promotion.PromotionRequest;
import dev.conveyor.workflows.promotion.PromotionWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;

/**
 * Starts a {@link PromotionWorkflow} with id {@code promote/<stack>/<from>-to-<to>/<promotionId>}.
 */
final class PromotionStarter {
  private final WorkflowClient client;

  PromotionStarter(WorkflowClient client) {
    this.client = client;
  }

  StartOutcome start(String promotionId, PromotionRequest request) {
    String workflowId =
        WorkflowIds.promotion(request.stack(), request.from(), request.to(), promotionId);
    PromotionWorkflow workflow =
        client.newWorkflowStub(
            PromotionWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .setTypedSearchAttributes(
                    io.temporal.common.SearchAttributes.newBuilder()
                        .set(SearchAttributes.STACK, request.stack())
                        .set(SearchAttributes.ENV, request.to())
                        .set(SearchAttributes.STATUS, "running")
                        .build())
                .setStaticSummary(
                    "promote "
                        + request.stack()
                        + " from "
                        + request.from()
                        + " to "
                        + request.to())
                .build());
    try {
      WorkflowClient.start(workflow::promote, request);
      return StartOutcome.started(workflowId);
    } catch (WorkflowExecutionAlreadyStarted already) {
      return StartOutcome.existing(workflowId, "RUNNING");
    }
  }
}
