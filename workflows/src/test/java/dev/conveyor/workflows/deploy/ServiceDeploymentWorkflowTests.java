package dev.conveyor.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ServiceDeploymentWorkflowTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

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

  private ServiceDeploymentWorkflow newDeployment(String service) {
    WorkflowClient client = env.getWorkflowClient();
    return client.newWorkflowStub(
        ServiceDeploymentWorkflow.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(TaskQueues.CONTROL)
            .setWorkflowId(WorkflowIds.deployment("qa", service, COMMIT))
            .build());
  }

  private DeployResult deploy(String service) {
    return newDeployment(service)
        .deploy(new DeployRequest("/defs", "qa", service, COMMIT, "alice", false));
  }

  private static Map<Step, StepState> states(java.util.List<StepStatus> steps) {
    return steps.stream().collect(Collectors.toMap(StepStatus::step, StepStatus::state));
  }

  @Test
  void runsEveryStepInOrderAndReturnsThePinnedImage() {
    DeployResult result = deploy("billing");

    assertThat(result.workflowId()).isEqualTo("deploy/qa/billing/0123456789ab");
    assertThat(result.image()).isEqualTo("localhost:5000/billing@" + FakeSteps.DIGEST);
    assertThat(result.digest()).isEqualTo(FakeSteps.DIGEST);
    assertThat(result.reused()).isFalse();
    assertThat(result.configCommit()).isEqualTo("commit-1");
    assertThat(result.deploymentId()).isEqualTo("deployment-1");
    assertThat(states(result.steps()).values()).containsOnly(StepState.DONE);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", result.image());
    assertThat(steps.finishes).containsExactly(true);
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("SUCCEEDED");
              assertThat(n.idempotencyKey())
                  .isEqualTo("deploy/qa/billing/0123456789ab/succeeded/0");
              assertThat(n.requestedBy()).isEqualTo("alice");
              assertThat(n.image()).isEqualTo(result.image());
              assertThat(n.timings())
                  .extracting(NotifyTiming -> NotifyTiming.step())
                  .containsExactly("resolve", "build", "push", "kv", "commit", "deploy", "health");
            });
  }

  /**
   * Refreshes the stored histories that {@link ServiceDeploymentReplayTests} replays; run with
   * {@code -Dconveyor.record.histories=true} after an intended change to the workflow.
   */
  @Test
  void recordsHistoriesForReplayWhenAsked() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    deploy("billing");
    steps.failPermanently(Step.DEPLOY, "deploy said no", FailureTypes.REJECTED);
    assertThatThrownBy(() -> deploy("web")).isInstanceOf(WorkflowFailedException.class);
    java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/histories");
    java.nio.file.Files.createDirectories(dir);
    for (String service : new String[] {"billing", "web"}) {
      String json =
          env.getWorkflowClient()
              .fetchHistory(WorkflowIds.deployment("qa", service, COMMIT))
              .toJson(true);
      java.nio.file.Files.writeString(dir.resolve("deploy-" + service + ".json"), json);
    }
  }

  @Test
  void skipsPushWhenTheRegistryAlreadyHasTheImage() {
    steps.imageInRegistry = true;

    DeployResult result = deploy("billing");

    assertThat(result.reused()).isTrue();
    assertThat(result.digest()).isEqualTo(FakeSteps.DIGEST);
    assertThat(steps.calls(Step.PUSH)).isZero();
    assertThat(states(result.steps())).containsEntry(Step.PUSH, StepState.SKIPPED);
    assertThat(result.steps())
        .filteredOn(s -> s.step() == Step.BUILD)
        .singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("reused " + FakeSteps.DIGEST));
  }

  @ParameterizedTest
  @EnumSource(
      value = Step.class,
      names = {"RESOLVE", "BUILD", "PUSH", "KV", "COMMIT", "DEPLOY", "HEALTH"})
  void retriesATransientFailureOfEachStepAndSucceeds(Step step) {
    steps.failTransiently(step, 2);

    DeployResult result = deploy("billing");

    assertThat(steps.calls(step)).isEqualTo(3);
    assertThat(states(result.steps()).values()).containsOnly(StepState.DONE);
    assertThat(steps.configCommits).hasSize(1);
    assertThat(steps.notifications).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = Step.class,
      names = {"BUILD", "PUSH", "KV", "COMMIT", "DEPLOY"})
  void endsFailedWithTheReasonAndNotifiesWhenAStepFailsPermanently(Step step) {
    steps.failPermanently(step, step.label() + " said no", FailureTypes.REJECTED);

    assertThatThrownBy(() -> deploy("billing"))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining(
            "deployment failed at step " + step.label() + ": " + step.label() + " said no");

    assertThat(steps.calls(step)).isEqualTo(1);
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("FAILED");
              assertThat(n.failedStep()).isEqualTo(step.label());
              assertThat(n.reason()).isEqualTo(step.label() + " said no");
            });
    DeployStatus status =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class, WorkflowIds.deployment("qa", "billing", COMMIT))
            .status();
    assertThat(status.outcome()).isEqualTo("FAILED");
    assertThat(states(status.steps())).containsEntry(step, StepState.FAILED);
  }

  @Test
  void failsAtOnceWithTheValidatorMessagesWhenDefinitionsAreInvalid() {
    steps.failPermanently(
        Step.RESOLVE,
        "conveyor.yaml:4:5: unknown key 'dependson' in services.billing (did you mean 'dependsOn'?)",
        FailureTypes.INVALID_DEFINITIONS);

    assertThatThrownBy(() -> deploy("billing"))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .hasMessageContaining("deployment failed at step resolve: conveyor.yaml:4:5: unknown key");
    assertThat(steps.calls(Step.RESOLVE)).isEqualTo(1);
    assertThat(steps.calls(Step.BUILD)).isZero();
  }

  @Test
  void failsWhenTheHealthGateDeadlinePassesAndRemovesTheNewVersion() {
    steps.healthyNever = true;

    assertThatThrownBy(() -> deploy("billing"))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .hasMessageContaining("deployment failed at step health: not healthy after 60s");
    assertThat(steps.finishes).containsExactly(false);
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(n -> assertThat(n.failedStep()).isEqualTo("health"));
  }

  @Test
  void aFailingNotifierNeverFailsTheDeployment() {
    steps.failingNotifier = true;
    steps.notifierCount = 2;

    DeployResult result = deploy("billing");

    assertThat(steps.calls(Step.NOTIFY)).isEqualTo(2 * 3);
    assertThat(result.steps())
        .filteredOn(s -> s.step() == Step.NOTIFY)
        .singleElement()
        .satisfies(s -> assertThat(s.detail()).startsWith("0/2 sent; failed:"));
  }

  @Test
  void aSecondDeploymentOfTheSameImageChangesNothing() {
    DeployResult first = deploy("billing");
    DeployResult second =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId("deploy/qa/billing/again")
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                    .build())
            .deploy(new DeployRequest("/defs", "qa", "billing", COMMIT, "bob", false));

    assertThat(second.reused()).isTrue();
    assertThat(second.image()).isEqualTo(first.image());
    assertThat(steps.configCommits).hasSize(1);
    assertThat(second.previousImage()).isNull();
  }
}
