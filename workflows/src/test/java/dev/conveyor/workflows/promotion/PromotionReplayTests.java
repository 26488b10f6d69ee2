package dev.conveyor.workflows.promotion;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static dev.conveyor.workflows.testing.RecordingSteps.headOf;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.release.StackReleaseWorkflowImpl;
import dev.conveyor.workflows.testing.RecordingSteps;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A promotion that waited for approval, its release and a deployment of a promoted image replay on
 * the current code. Re-record with {@code -Dconveyor.record.histories=true} after an intended,
 * versioned change.
 */
class PromotionReplayTests {
  static final Path HISTORIES = Path.of("src/test/resources/histories");

  /** With its own workflow id: the promotion names its release after it. */
  @Test
  void storedApprovedPromotionReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(
        WorkflowExecutionHistory.fromJson(
            Files.readString(HISTORIES.resolve("promote-approved.json")),
            PromotionWorkflowTests.id()),
        PromotionWorkflowImpl.class);
  }

  @Test
  void storedPromotedReleaseReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/release-promoted.json", StackReleaseWorkflowImpl.class);
  }

  @Test
  void storedDeploymentOfAPromotedImageReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/deploy-promoted-b.json", ServiceDeploymentWorkflowImpl.class);
  }

  @Test
  void aPromotionThatSkipsApprovalFailsReplay() throws Exception {
    WorkflowExecutionHistory history =
        WorkflowExecutionHistory.fromJson(
            Files.readString(HISTORIES.resolve("promote-approved.json")),
            PromotionWorkflowTests.id());
    assertThatThrownBy(
            () -> WorkflowReplayer.replayWorkflowExecution(history, ApprovalLessPromotion.class))
        .hasStackTraceContaining("NonDeterministicException");
  }

  /** Starts the release right after the read: what a careless edit would do. */
  public static final class ApprovalLessPromotion implements PromotionWorkflow {
    @Override
    public PromotionResult promote(PromotionRequest request) {
      io.temporal.workflow.Workflow.newChildWorkflowStub(
              dev.conveyor.workflows.release.StackReleaseWorkflow.class)
          .release(null);
      return null;
    }

    @Override
    public void approve(Approval approval) {}

    @Override
    public void reject(Rejection rejection) {}

    @Override
    public PromotionStatus status() {
      return null;
    }
  }

  @Test
  void recordsHistoriesForReplayWhenAsked() throws Exception {
    Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    RecordingSteps steps =
        new RecordingSteps().service("a").service("b", "a").stack("chain", "a", "b");
    LiveSource source =
        new LiveSource()
            .live("a", headOf("a1"), PromotionWorkflowTests.IMAGE_A)
            .live("b", headOf("b1"), PromotionWorkflowTests.IMAGE_B)
            .approvalRequired();
    TestWorkflowEnvironment env = PromotionWorkflowTests.start(steps, source);
    try {
      WorkflowClient client = env.getWorkflowClient();
      PromotionWorkflow promotion =
          client.newWorkflowStub(
              PromotionWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(TaskQueues.CONTROL)
                  .setWorkflowId(PromotionWorkflowTests.id())
                  .build());
      WorkflowClient.start(
          promotion::promote,
          new PromotionRequest("/defs", "chain", "qa", "prod", List.of(), "alice", 0));
      awaitTrue(
          "waits for approval",
          () -> promotion.status().state() == PromotionState.AWAITING_APPROVAL);
      promotion.approve(new Approval("bob", "ok"));
      WorkflowStub.fromTyped(promotion).getResult(PromotionResult.class);
      write(client, PromotionWorkflowTests.id(), "promote-approved.json");
      write(client, WorkflowIds.release("prod", "chain", "promote-p1"), "release-promoted.json");
      write(client, WorkflowIds.deployment("prod", "b", headOf("b1")), "deploy-promoted-b.json");
    } finally {
      env.close();
    }
  }

  private static void write(WorkflowClient client, String workflowId, String file)
      throws Exception {
    Files.createDirectories(HISTORIES);
    Files.writeString(HISTORIES.resolve(file), client.fetchHistory(workflowId).toJson(true));
  }
}
