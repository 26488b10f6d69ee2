package dev.conveyor.workflows.release;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static dev.conveyor.workflows.testing.RecordingSteps.headOf;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.rollback.RollbackWorkflowImpl;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
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
 * Releases that were rolled back, aborted or deployed jobs must keep replaying. Their histories
 * were recorded once with {@code -Dconveyor.record.histories=true} (this class's recorder writes
 * only its own files, never the older release histories).
 */
class ReleaseControlReplayTests {
  static final Path HISTORIES = Path.of("src/test/resources/histories");

  @ParameterizedTest
  @ValueSource(strings = {"release-rolled-back.json", "release-aborted.json", "release-jobs.json"})
  void storedControlHistoryReplaysOnTheCurrentWorkflow(String file) throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history(file), StackReleaseWorkflowImpl.class);
  }

  /**
   * The history with its real workflow id: a release names its rollback workflows after its own id,
   * which the replayer would otherwise replace with a placeholder.
   */
  static WorkflowExecutionHistory history(String file) throws Exception {
    String json = Files.readString(HISTORIES.resolve(file));
    String id =
        file.equals("release-aborted.json") ? "r2" : file.equals("release-jobs.json") ? "r3" : "r1";
    return WorkflowExecutionHistory.fromJson(json, WorkflowIds.release("qa", "pair", id));
  }

  @Test
  void aReleaseThatRollsBackDependenciesFirstFailsReplay() throws Exception {
    String json = Files.readString(HISTORIES.resolve("release-rolled-back.json"));
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecution(json, PlanOnlyRelease.class))
        .hasStackTraceContaining("NonDeterministicException");
  }

  /** Asks for the plan and then ends: what dropping the control path would do. */
  public static final class PlanOnlyRelease implements StackReleaseWorkflow {
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
    public void pause(OperatorAction action) {}

    @Override
    public void resume(OperatorAction action) {}

    @Override
    public void abort(OperatorAction action) {}

    @Override
    public void rollback(RollbackRequest request) {}

    @Override
    public String requestRollback(RollbackRequest request) {
      return null;
    }

    @Override
    public void validateRollback(RollbackRequest request) {}
  }

  @Test
  void recordsControlHistoriesWhenAsked() throws Exception {
    Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    RecordingSteps steps =
        new RecordingSteps()
            .service("a")
            .service("b", "a")
            .job("report", "b")
            .stack("pair", "a", "b")
            .previous("a", "localhost:5000/a@sha256:old")
            .previous("b", "localhost:5000/b@sha256:old");
    TestWorkflowEnvironment env =
        TestWorkers.start(
            new Object[] {steps, new FakeJobDeployment.Probe(steps)},
            RollbackWorkflowImpl.class,
            FakeJobDeployment.class);
    try {
      WorkflowClient client = env.getWorkflowClient();

      StackReleaseWorkflow rolled = start(client, "r1", 600);
      awaitTrue("baking", () -> "BAKING".equals(rolled.status().outcome()));
      rolled.rollback(new RollbackRequest("error rate up", "alice"));
      assertThatThrownBy(() -> WorkflowStub.fromTyped(rolled).getResult(ReleaseResult.class))
          .isInstanceOf(WorkflowFailedException.class);
      write(client, WorkflowIds.release("qa", "pair", "r1"), "release-rolled-back.json");

      steps.hold(headOf("a"), "health");
      StackReleaseWorkflow aborted = start(client, "r2", 0);
      awaitTrue(
          "a in its health gate",
          () ->
              steps.spans("a").stream()
                  .anyMatch(s -> s.step().equals("health") && s.endSeq() == Long.MAX_VALUE));
      aborted.abort(new OperatorAction("canary errors", "alice"));
      awaitTrue("aborting", () -> "ABORTING".equals(aborted.status().outcome()));
      steps.release(headOf("a"), "health");
      assertThatThrownBy(() -> WorkflowStub.fromTyped(aborted).getResult(ReleaseResult.class))
          .isInstanceOf(WorkflowFailedException.class);
      write(client, WorkflowIds.release("qa", "pair", "r2"), "release-aborted.json");

      StackReleaseWorkflow jobs = start(client, "r3", 0);
      WorkflowStub.fromTyped(jobs).getResult(ReleaseResult.class);
      write(client, WorkflowIds.release("qa", "pair", "r3"), "release-jobs.json");
    } finally {
      env.close();
    }
  }

  private static StackReleaseWorkflow start(WorkflowClient client, String id, long bake) {
    StackReleaseWorkflow release =
        client.newWorkflowStub(
            StackReleaseWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(WorkflowIds.release("qa", "pair", id))
                .build());
    WorkflowClient.start(
        release::release,
        new ReleaseRequest(
            "/defs", "qa", "pair", List.of(), Map.of(), "alice", false, 0, 0, null, bake));
    return release;
  }

  private static void write(WorkflowClient client, String workflowId, String file)
      throws Exception {
    Files.createDirectories(HISTORIES);
    Files.writeString(HISTORIES.resolve(file), client.fetchHistory(workflowId).toJson(true));
  }
}
