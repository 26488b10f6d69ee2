package dev.conveyor.workflows.deploy;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.testing.FakeRelease;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A deployment inside a release stops between push and KV until the release decides. */
@Timeout(90)
class ReleaseGateTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String RELEASE = "release/qa/payments/r1";
  static final List<String> ENVIRONMENT_STEPS = List.of("kv", "commit", "deploy", "health");

  TestWorkflowEnvironment env;
  RecordingSteps steps;
  FakeRelease release;

  @BeforeEach
  void startEnvironment() {
    steps = new RecordingSteps();
    env = TestWorkers.start(steps, FakeRelease.Impl.class);
    release =
        env.getWorkflowClient()
            .newWorkflowStub(
                FakeRelease.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(RELEASE)
                    .build());
    WorkflowClient.start(release::hold);
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  ServiceDeploymentWorkflow startGated(String releaseId, long timeoutSeconds) {
    ServiceDeploymentWorkflow deployment =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(WorkflowIds.deployment("qa", "billing", COMMIT))
                    .build());
    WorkflowClient.start(
        deployment::deploy,
        new DeployRequest(
            "/defs",
            "qa",
            "billing",
            COMMIT,
            "alice",
            false,
            new ReleaseGate(releaseId, "payments", timeoutSeconds)));
    return deployment;
  }

  static DeployResult resultOf(ServiceDeploymentWorkflow deployment) {
    return WorkflowStub.fromTyped(deployment).getResult(DeployResult.class);
  }

  static Map<Step, StepState> states(List<StepStatus> steps) {
    return steps.stream().collect(Collectors.toMap(StepStatus::step, StepStatus::state));
  }

  void assertEnvironmentUntouched() {
    for (String step : ENVIRONMENT_STEPS) {
      assertThat(steps.ran("billing", step)).as(step).isFalse();
    }
    assertThat(steps.ran("billing", "notify")).isFalse();
  }

  @Test
  void stopsAfterThePushUntilTheReleaseLetsItProceed() {
    ServiceDeploymentWorkflow deployment = startGated(RELEASE, 3600);
    awaitTrue("the release heard the image is built", () -> !release.notices().isEmpty());
    DeployStatus waiting = deployment.status();
    assertEnvironmentUntouched();

    deployment.proceed(new GateProceed(RELEASE));
    DeployResult result = resultOf(deployment);

    BuiltNotice notice = release.notices().get(0);
    assertThat(notice.service()).isEqualTo("billing");
    assertThat(notice.workflowId()).isEqualTo("deploy/qa/billing/0123456789ab");
    assertThat(notice.image()).isEqualTo(result.image());
    assertThat(waiting.waitingFor()).isEqualTo("release gate of " + RELEASE);
    assertThat(states(waiting.steps())).containsEntry(Step.PUSH, StepState.DONE);
    assertThat(states(waiting.steps())).containsEntry(Step.KV, StepState.PENDING);
    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(steps.span("billing", "kv").startSeq())
        .isGreaterThan(steps.span("billing", "push").endSeq());
    String stack =
        env.getWorkflowClient()
            .newUntypedWorkflowStub(notice.workflowId())
            .describe()
            .getTypedSearchAttributes()
            .get(SearchAttributes.STACK);
    assertThat(stack).isEqualTo("payments");
  }

  @Test
  void aSkipEndsItWithoutChangingTheEnvironment() {
    ServiceDeploymentWorkflow deployment = startGated(RELEASE, 3600);
    awaitTrue("the release heard the image is built", () -> !release.notices().isEmpty());

    deployment.skip(new GateSkip("dependency accounts failed"));
    DeployResult result = resultOf(deployment);

    assertThat(result.outcome()).isEqualTo(DeployResult.SKIPPED);
    assertThat(result.reason()).isEqualTo("dependency accounts failed");
    assertThat(result.image()).startsWith("localhost:5000/billing@sha256:");
    assertThat(result.configCommit()).isNull();
    Map<Step, StepState> states = states(result.steps());
    assertThat(states).containsEntry(Step.BUILD, StepState.DONE);
    for (Step step : List.of(Step.KV, Step.COMMIT, Step.DEPLOY, Step.HEALTH, Step.NOTIFY)) {
      assertThat(states).containsEntry(step, StepState.SKIPPED);
    }
    assertThat(result.steps())
        .filteredOn(s -> s.step() == Step.KV)
        .singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("skipped: dependency accounts failed"));
    assertEnvironmentUntouched();
  }

  @Test
  void aGateThatIsNeverOpenedEndsItSkippedAtItsTimeout() {
    ServiceDeploymentWorkflow deployment = startGated(RELEASE, 600);

    DeployResult result = resultOf(deployment);

    assertThat(result.outcome()).isEqualTo(DeployResult.SKIPPED);
    assertThat(result.reason()).isEqualTo("release gate not opened within 10m");
    assertEnvironmentUntouched();
  }

  @Test
  void aReleaseThatCannotBeReachedEndsItSkipped() {
    ServiceDeploymentWorkflow deployment = startGated("release/qa/payments/gone", 3600);

    DeployResult result = resultOf(deployment);

    assertThat(result.outcome()).isEqualTo(DeployResult.SKIPPED);
    assertThat(result.reason())
        .startsWith("release release/qa/payments/gone cannot be reached: ")
        .contains("NOT_FOUND");
    assertEnvironmentUntouched();
  }

  @Test
  void aDeploymentOnItsOwnHasNoGate() {
    ServiceDeploymentWorkflow deployment =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(WorkflowIds.deployment("qa", "billing", COMMIT))
                    .build());

    DeployResult result =
        deployment.deploy(new DeployRequest("/defs", "qa", "billing", COMMIT, "alice", false));

    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(release.notices()).isEmpty();
  }
}
