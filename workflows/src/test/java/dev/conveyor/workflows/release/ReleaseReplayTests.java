package dev.conveyor.workflows.release;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Running releases, lanes and gated deployments must survive a worker upgrade: stored histories
 * replay without change. Re-record with {@code -Dconveyor.record.histories=true} after an intended,
 * versioned change.
 */
class ReleaseReplayTests {
  static final Path HISTORIES = Path.of("src/test/resources/histories");

  @ParameterizedTest
  @ValueSource(strings = {"release-chain.json", "release-failed.json"})
  void storedReleaseHistoryReplaysOnTheCurrentWorkflow(String file) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/" + file, StackReleaseWorkflowImpl.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"deploy-gated-b.json", "deploy-skipped-c.json"})
  void storedGatedDeploymentHistoryReplaysOnTheCurrentWorkflow(String file) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/" + file, ServiceDeploymentWorkflowImpl.class);
  }

  @Test
  void storedLaneHistoryReplaysOnTheCurrentWorkflow() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/lane-b.json", ServiceLaneWorkflowImpl.class);
  }

  @Test
  void aReleaseThatSkipsItsPlanFailsReplay() throws Exception {
    String json = Files.readString(HISTORIES.resolve("release-chain.json"));
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecution(json, PlanlessRelease.class))
        .hasStackTraceContaining("NonDeterministicException");
  }

  /** Starts children without asking for a plan first: what a careless edit would do. */
  public static final class PlanlessRelease implements StackReleaseWorkflow {
    @Override
    public ReleaseResult release(ReleaseRequest request) {
      io.temporal.workflow.Workflow.sleep(java.time.Duration.ofSeconds(1));
      return null;
    }

    @Override
    public ReleaseStatus status() {
      return null;
    }

    @Override
    public void built(dev.conveyor.workflows.deploy.BuiltNotice notice) {}

    @Override
    public void pause(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void resume(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void abort(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void rollback(dev.conveyor.workflows.deploy.RollbackRequest request) {}

    @Override
    public String requestRollback(dev.conveyor.workflows.deploy.RollbackRequest request) {
      return null;
    }

    @Override
    public void validateRollback(dev.conveyor.workflows.deploy.RollbackRequest request) {}
  }

  @Test
  void recordsHistoriesForReplayWhenAsked() throws Exception {
    Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    RecordingSteps steps =
        new RecordingSteps()
            .service("a")
            .service("b", "a")
            .service("c", "b")
            .stack("chain", "a", "b")
            .stack("failed", "a", "b", "c");
    TestWorkflowEnvironment env = TestWorkers.start(steps);
    try {
      WorkflowClient client = env.getWorkflowClient();
      release(client, "chain", "r1");
      write(client, WorkflowIds.release("qa", "chain", "r1"), "release-chain.json");
      write(
          client,
          WorkflowIds.deployment("qa", "b", RecordingSteps.headOf("b")),
          "deploy-gated-b.json");
      write(client, WorkflowIds.lane("qa", "b"), "lane-b.json");
      steps.failAt("b", "health", "not healthy after 60s: 0/1 healthy");
      assertThatThrownBy(() -> release(client, "failed", "r2"))
          .isInstanceOf(WorkflowFailedException.class);
      write(client, WorkflowIds.release("qa", "failed", "r2"), "release-failed.json");
      write(
          client,
          WorkflowIds.deployment("qa", "c", RecordingSteps.headOf("c")),
          "deploy-skipped-c.json");
    } finally {
      env.close();
    }
  }

  private static void release(WorkflowClient client, String stack, String id) {
    client
        .newWorkflowStub(
            StackReleaseWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(WorkflowIds.release("qa", stack, id))
                .build())
        .release(
            new ReleaseRequest("/defs", "qa", stack, List.of(), Map.of(), "alice", false, 0, 0));
  }

  private static void write(WorkflowClient client, String workflowId, String file)
      throws Exception {
    Files.createDirectories(HISTORIES);
    Files.writeString(HISTORIES.resolve(file), client.fetchHistory(workflowId).toJson(true));
  }
}
