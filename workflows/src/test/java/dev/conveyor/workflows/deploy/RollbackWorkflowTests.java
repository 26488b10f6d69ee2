package dev.conveyor.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.rollback.RollbackResult;
import dev.conveyor.workflows.rollback.RollbackWorkflow;
import dev.conveyor.workflows.rollback.RollbackWorkflowImpl;
import dev.conveyor.workflows.rollback.ServiceRollbackRequest;
import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RollbackWorkflow} (the {@code ./conveyor rollback} path) with the in-memory steps; here
 * beside {@link FakeSteps}, which keeps KV and config history the way the real activities do.
 */
@Timeout(60)
class RollbackWorkflowTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String OLD = "localhost:5000/billing@sha256:old";
  static final String NEW = "localhost:5000/billing@" + FakeSteps.DIGEST;

  TestWorkflowEnvironment env;
  FakeSteps steps;

  @BeforeEach
  void startEnvironment() {
    env = TestWorkflowEnvironment.newInstance();
    for (var key : SearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    steps = new FakeSteps();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(
        ServiceDeploymentWorkflowImpl.class,
        ServiceLaneWorkflowImpl.class,
        RollbackWorkflowImpl.class);
    control.registerActivitiesImplementations(steps);
    Worker build = env.newWorker(TaskQueues.BUILD);
    build.registerActivitiesImplementations(steps);
    env.start();
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  /** billing went from OLD to NEW through a deployment that has ended (no bake window). */
  private void deployedOverAnEarlierVersion() {
    steps.kv.put("conveyor/qa/billing/image", OLD);
    steps.configCommits.add("qa/billing=" + OLD);
    env.getWorkflowClient()
        .newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(WorkflowIds.deployment("qa", "billing", COMMIT))
                .build())
        .deploy(new DeployRequest("/defs", "qa", "billing", COMMIT, "alice", false));
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", NEW);
  }

  private RollbackWorkflow stub(String id) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            RollbackWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(WorkflowIds.rollback("qa", "billing", id))
                .build());
  }

  private RollbackResult rollBack(String to, String reason) {
    return stub("r1")
        .rollback(new ServiceRollbackRequest("/defs", "qa", "billing", to, "bob", reason));
  }

  private ApplicationFailure failureOf(String to, String reason) {
    Throwable thrown = catchThrowable(() -> rollBack(to, reason));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    return (ApplicationFailure) thrown.getCause();
  }

  @Test
  void rollbackAfterTheDeploymentEndedRestoresThePreviousVersionEverywhere() {
    deployedOverAnEarlierVersion();
    steps.notifications.clear();

    RollbackResult result = rollBack(null, "5xx rate up");

    assertThat(result.outcome()).isEqualTo(RollbackResult.ROLLED_BACK);
    assertThat(result.workflowId()).isEqualTo("rollback/qa/billing/r1");
    assertThat(result.image()).isEqualTo(OLD);
    assertThat(result.detail()).contains("live again (1/1 healthy)");
    assertThat(steps.rollbackCommits)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.rollbackOf()).isNull();
              assertThat(r.to()).isNull();
              assertThat(r.workflowId()).isEqualTo("rollback/qa/billing/r1");
              assertThat(r.requestedBy()).isEqualTo("bob");
              assertThat(r.reason()).isEqualTo("5xx rate up");
            });
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image/previous", NEW);
    assertThat(steps.deploys)
        .last()
        .satisfies(
            d -> {
              assertThat(d.pinnedImage()).isEqualTo(OLD);
              assertThat(d.force()).as("never supersedes a rollout it did not start").isFalse();
              assertThat(d.workflowId()).isEqualTo("rollback/qa/billing/r1");
            });
    assertThat(steps.finishes).last().isEqualTo(true);
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("ROLLED_BACK");
              assertThat(n.reason()).isEqualTo("5xx rate up (by bob)");
              assertThat(n.requestedBy()).isEqualTo("bob");
              assertThat(n.image()).isEqualTo(OLD);
            });
  }

  @Test
  void rollbackToANamedConfigCommitAsksForThatCommit() {
    deployedOverAnEarlierVersion();

    rollBack("c0ffee123456", "back to last week");

    assertThat(steps.rollbackCommits)
        .singleElement()
        .extracting(r -> r.to())
        .isEqualTo("c0ffee123456");
  }

  @Test
  void rollbackFailsWhenThereIsNothingToRollBackTo() {
    ApplicationFailure failure = failureOf(null, "bad");

    assertThat(failure.getType()).isEqualTo(RollbackWorkflowImpl.ROLLBACK_FAILED);
    assertThat(failure.getOriginalMessage())
        .startsWith("rollback failed at commit: nothing to roll back to");
    assertThat(steps.restores).isEmpty();
    assertThat(steps.deploys).isEmpty();
    assertThat(steps.notifications)
        .extracting(Notification::outcome)
        .containsExactly("ROLLBACK_FAILED");
  }

  @Test
  void rollbackWhoseHealthGateFailsRemovesTheRestoredRolloutAndFails() {
    deployedOverAnEarlierVersion();
    steps.finishes.clear();
    steps.healthyNever = true;

    ApplicationFailure failure = failureOf(null, "5xx rate up");

    assertThat(failure.getType()).isEqualTo(RollbackWorkflowImpl.ROLLBACK_FAILED);
    assertThat(failure.getOriginalMessage()).startsWith("rollback failed at deploy: not healthy");
    assertThat(steps.finishes).containsExactly(false);
  }

  @Test
  void rollbackWithoutAReasonIsRefusedBeforeAnyStep() {
    ApplicationFailure failure = failureOf(null, " ");

    assertThat(failure.getOriginalMessage()).contains("needs a reason");
    assertThat(steps.calls(Step.RESOLVE)).isZero();
    assertThat(steps.rollbackCommits).isEmpty();
  }

  @Test
  void rollbackSetsTheConveyorSearchAttributes() {
    deployedOverAnEarlierVersion();

    rollBack(null, "5xx rate up");

    var attributes =
        env.getWorkflowClient()
            .getWorkflowServiceStubs()
            .blockingStub()
            .describeWorkflowExecution(
                io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(env.getNamespace())
                    .setExecution(
                        io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                            .setWorkflowId("rollback/qa/billing/r1"))
                    .build())
            .getWorkflowExecutionInfo()
            .getSearchAttributes()
            .getIndexedFieldsMap();
    assertThat(attributes).containsKeys("ConveyorService", "ConveyorEnv", "ConveyorStatus");
    assertThat(attributes.get("ConveyorStatus").getData().toStringUtf8())
        .isEqualTo("\"rolled back\"");
  }

  /**
   * Refreshes {@code histories/rollback-billing.json} that {@code RollbackReplayTests} replays; run
   * with {@code -Dconveyor.record.histories=true} after an intended change to the workflow.
   */
  @Test
  void recordsHistoriesForReplayWhenAsked() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    deployedOverAnEarlierVersion();
    rollBack(null, "5xx rate up");
    java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/histories");
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.writeString(
        dir.resolve("rollback-billing.json"),
        env.getWorkflowClient().fetchHistory("rollback/qa/billing/r1").toJson(true));
  }
}
