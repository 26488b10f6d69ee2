package dev.conveyor.workflows.deploy;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.testing.FakeRelease;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pause and abort of a deployment that waits at its release gate. */
@Timeout(90)
class ReleaseGateControlTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String RELEASE = "release/qa/payments/r1";

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

  private ServiceDeploymentWorkflow startGated() {
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
            new ReleaseGate(RELEASE, "payments", 3600)));
    return deployment;
  }

  @Test
  void abortAtTheReleaseGateEndsWithoutTouchingTheEnvironment() {
    ServiceDeploymentWorkflow deployment = startGated();
    awaitTrue("the release heard the image is built", () -> !release.notices().isEmpty());

    deployment.abort(new OperatorAction("release cancelled", "bob"));

    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> WorkflowStub.fromTyped(deployment).getResult(DeployResult.class));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    ApplicationFailure failure = (ApplicationFailure) thrown.getCause();
    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("aborted by bob: release cancelled, before step kv; nothing had changed");
    for (String step : List.of("kv", "commit", "deploy", "health")) {
      assertThat(steps.ran("billing", step)).as(step).isFalse();
    }
  }

  @Test
  void pauseAtTheReleaseGateHoldsBeforeKvAfterTheGateOpens() throws Exception {
    ServiceDeploymentWorkflow deployment = startGated();
    awaitTrue("the release heard the image is built", () -> !release.notices().isEmpty());

    deployment.pause(new OperatorAction("hold on", "carol"));
    deployment.proceed(new GateProceed(RELEASE));
    awaitTrue(
        "paused before kv",
        () -> ServiceDeploymentWorkflowImpl.PAUSED.equals(deployment.status().outcome()));

    assertThat(deployment.status().waitingFor())
        .isEqualTo("resume: paused before step kv (by carol: hold on)");
    assertThat(steps.ran("billing", "kv")).isFalse();
    deployment.resume(new OperatorAction("", "carol"));
    DeployResult result = WorkflowStub.fromTyped(deployment).getResult(DeployResult.class);
    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(steps.ran("billing", "kv")).isTrue();
  }
}
