package dev.conveyor.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rollbacks of a deployment: by signal, by update, automatically; with the in-memory steps. */
@Timeout(60)
class RollbackTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String OLD = "localhost:5000/billing@sha256:old";

  TestWorkflowEnvironment env;
  FakeSteps steps;

  @BeforeEach
  void startEnvironment() {
    env = TestWorkflowEnvironment.newInstance();
    for (var key : SearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    steps = new FakeSteps();
    steps.bakeSeconds = 900;
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(
        ServiceDeploymentWorkflowImpl.class, ServiceLaneWorkflowImpl.class);
    control.registerActivitiesImplementations(steps);
    Worker build = env.newWorker(TaskQueues.BUILD);
    build.registerActivitiesImplementations(steps);
    env.start();
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  /** A version of billing was live before: KV and the config history know it. */
  private void previousVersionLive() {
    steps.kv.put("conveyor/qa/billing/image", OLD);
    steps.configCommits.add("qa/billing=" + OLD);
  }

  private ServiceDeploymentWorkflow start() {
    ServiceDeploymentWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(WorkflowIds.deployment("qa", "billing", COMMIT))
                    .build());
    WorkflowClient.start(
        workflow::deploy, new DeployRequest("/defs", "qa", "billing", COMMIT, "alice", false));
    return workflow;
  }

  private static void awaitStatus(ServiceDeploymentWorkflow workflow, Predicate<DeployStatus> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      DeployStatus status = workflow.status();
      if (status != null && done.test(status)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("status never matched: " + workflow.status());
  }

  private static ApplicationFailure failureOf(ServiceDeploymentWorkflow workflow) {
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> WorkflowStub.fromTyped(workflow).getResult(DeployResult.class));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    return (ApplicationFailure) thrown.getCause();
  }

  @Test
  void rollbackSignalDuringTheBakeWindowRestoresThePreviousVersion() throws Exception {
    previousVersionLive();
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(workflow, s -> ServiceDeploymentWorkflowImpl.BAKING.equals(s.outcome()));

    workflow.rollback(new RollbackRequest("5xx rate up", "bob"));

    ApplicationFailure failure = failureOf(workflow);
    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ROLLED_BACK);
    assertThat(failure.getOriginalMessage()).isEqualTo("rolled back: 5xx rate up");
    String pinned = "localhost:5000/billing@" + FakeSteps.DIGEST;
    assertThat(steps.rollbackCommits)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.rollbackOf()).isEqualTo("commit-2");
              assertThat(r.requestedBy()).isEqualTo("bob");
              assertThat(r.reason()).isEqualTo("5xx rate up");
            });
    assertThat(steps.restores)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.expectedImage()).isEqualTo(pinned);
              assertThat(r.image()).isEqualTo(OLD);
            });
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertThat(steps.deploys).hasSize(2);
    assertThat(steps.deploys.get(1).pinnedImage()).isEqualTo(OLD);
    assertThat(steps.deploys.get(1).force()).as("nothing of ours in flight").isFalse();
    assertThat(steps.finishes).containsExactly(true, true);
    assertThat(steps.notifications)
        .extracting(NotifyActivities_Notification::outcome)
        .containsExactly("SUCCEEDED", "ROLLED_BACK");
    assertThat(steps.notifications.get(1).reason()).contains("5xx rate up").contains("bob");
    assertThat(workflow.status().rollback()).startsWith("done: " + OLD);
  }

  @Test
  void rollbackSignalDuringTheHealthGateStopsItAndSupersedesTheRollout() throws Exception {
    previousVersionLive();
    CountDownLatch hold = new CountDownLatch(1);
    steps.healthHold = hold;
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(
        workflow,
        s ->
            s.steps().stream()
                .anyMatch(t -> t.step() == Step.HEALTH && t.state() == StepState.RUNNING));
    steps.healthHold = null;

    workflow.rollback(new RollbackRequest("wrong config", "bob"));

    ApplicationFailure failure = failureOf(workflow);
    hold.countDown();
    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ROLLED_BACK);
    assertThat(steps.deploys).hasSize(2);
    assertThat(steps.deploys.get(1).pinnedImage()).isEqualTo(OLD);
    assertThat(steps.deploys.get(1).force()).as("our own rollout is superseded").isTrue();
    assertThat(steps.finishes)
        .as("new version removed, then rollback retired it")
        .containsExactly(false, true);
    assertThat(steps.notifications)
        .extracting(NotifyActivities_Notification::outcome)
        .containsExactly("ROLLED_BACK");
    assertThat(steps.notifications.get(0).failedStep()).isEqualTo("health");
  }

  @Test
  void rollbackUpdateIsRejectedWhenThereIsNothingToRollBackTo() throws Exception {
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(workflow, s -> ServiceDeploymentWorkflowImpl.BAKING.equals(s.outcome()));

    assertThatThrownBy(() -> workflow.requestRollback(new RollbackRequest("oops", "bob")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("nothing to roll back to");
    assertThat(workflow.status().rollback()).isNull();
    assertThat(steps.rollbackCommits).isEmpty();
  }

  @Test
  void rollbackUpdateIsAcceptedAndAnswered() throws Exception {
    previousVersionLive();
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(workflow, s -> ServiceDeploymentWorkflowImpl.BAKING.equals(s.outcome()));

    String answer = workflow.requestRollback(new RollbackRequest("latency", "carol"));

    assertThat(answer).isEqualTo("requested by carol: latency");
    assertThat(failureOf(workflow).getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ROLLED_BACK);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
  }

  @Test
  void failedHealthGateRollsBackByItselfWhenTheEnvironmentSaysAuto() {
    previousVersionLive();
    steps.autoRollback = true;
    steps.healthAnswers.add(false);
    steps.healthAnswers.add(true);
    ServiceDeploymentWorkflow workflow = start();

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ROLLED_BACK);
    assertThat(failure.getOriginalMessage())
        .startsWith("rolled back: health gate failed: not healthy after 60s");
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertThat(steps.rollbackCommits)
        .singleElement()
        .extracting(r -> r.requestedBy())
        .isEqualTo(ServiceDeploymentWorkflowImpl.AUTOMATIC);
    assertThat(steps.notifications)
        .extracting(NotifyActivities_Notification::outcome)
        .containsExactly("ROLLED_BACK");
  }

  @Test
  void failedHealthGateOnlyFailsWhenTheEnvironmentSaysManual() {
    previousVersionLive();
    steps.healthyNever = true;
    ServiceDeploymentWorkflow workflow = start();

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.DEPLOYMENT_FAILED);
    assertThat(steps.rollbackCommits).isEmpty();
    assertThat(steps.restores).isEmpty();
  }

  /**
   * Refreshes the rollback histories that {@link ServiceDeploymentReplayTests} replays (one in the
   * bake window, one automatic); run with {@code -Dconveyor.record.histories=true} after an
   * intended change to the rollback path.
   */
  @Test
  void recordsRollbackHistoriesForReplayWhenAsked() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    previousVersionLive();
    ServiceDeploymentWorkflow baking = start();
    awaitStatus(baking, s -> ServiceDeploymentWorkflowImpl.BAKING.equals(s.outcome()));
    baking.rollback(new RollbackRequest("5xx rate up", "bob"));
    failureOf(baking);
    record(WorkflowIds.deployment("qa", "billing", COMMIT), "deploy-rollback-bake.json");

    steps.autoRollback = true;
    steps.healthAnswers.add(false);
    steps.healthAnswers.add(true);
    ServiceDeploymentWorkflow web =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(WorkflowIds.deployment("qa", "web", COMMIT))
                    .build());
    steps.kv.put("conveyor/qa/web/image", "localhost:5000/web@sha256:old");
    WorkflowClient.start(
        web::deploy, new DeployRequest("/defs", "qa", "web", COMMIT, "alice", false));
    failureOf(web);
    record(WorkflowIds.deployment("qa", "web", COMMIT), "deploy-rollback-auto.json");
  }

  private void record(String workflowId, String file) throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/histories");
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.writeString(
        dir.resolve(file), env.getWorkflowClient().fetchHistory(workflowId).toJson(true));
  }

  /** Shorthand for the notification record's type in method references. */
  interface NotifyActivities_Notification {
    static String outcome(dev.conveyor.workflows.steps.NotifyActivities.Notification n) {
      return n.outcome();
    }
  }
}
