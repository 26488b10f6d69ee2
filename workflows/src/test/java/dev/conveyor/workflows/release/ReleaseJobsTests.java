package dev.conveyor.workflows.release;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static dev.conveyor.workflows.testing.RecordingSteps.headOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stack's jobs in a release: each job deployment starts as a child once the release's services
 * it depends on are healthy, and is skipped when one of them fails. Order from sequence numbers.
 */
@Timeout(90)
class ReleaseJobsTests {
  TestWorkflowEnvironment env;
  RecordingSteps steps;

  @BeforeEach
  void startEnvironment() {
    steps = new RecordingSteps().takes("build", Duration.ofMillis(50));
    env =
        TestWorkers.start(
            new Object[] {steps, new FakeJobDeployment.Probe(steps)}, FakeJobDeployment.class);
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  StackReleaseWorkflow start(String stack) {
    StackReleaseWorkflow release =
        env.getWorkflowClient()
            .newWorkflowStub(
                StackReleaseWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(WorkflowIds.release("qa", stack, "r1"))
                    .build());
    WorkflowClient.start(
        release::release,
        new ReleaseRequest("/defs", "qa", stack, List.of(), Map.of(), "alice", false, 0, 0));
    return release;
  }

  static ReleaseResult failure(StackReleaseWorkflow release, String type, String... parts) {
    try {
      WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);
    } catch (WorkflowFailedException e) {
      ApplicationFailure failure = (ApplicationFailure) e.getCause();
      assertThat(failure.getType()).isEqualTo(type);
      assertThat(failure.getOriginalMessage()).contains(parts);
      return failure.getDetails().get(ReleaseResult.class);
    }
    throw new AssertionError("the release succeeded");
  }

  static Map<String, JobRelease> byJob(List<JobRelease> jobs) {
    return jobs.stream().collect(Collectors.toMap(JobRelease::job, Function.identity()));
  }

  @Test
  void eachJobStartsAfterTheServicesItDependsOnAreHealthy() {
    steps
        .service("accounts")
        .service("billing", "accounts")
        .job("audit", "accounts")
        .job("invoices", "billing", "accounts")
        .job("unrelated", "elsewhere")
        .stack("shop", "billing", "accounts")
        .hold(headOf("billing"), "health");
    StackReleaseWorkflow release = start("shop");

    awaitTrue("audit ran while billing is in its health gate", () -> steps.ran("audit", "job"));
    assertThat(steps.ran("invoices", "job")).as("invoices waits for billing").isFalse();
    assertThat(byJob(release.status().jobs()).get("invoices").detail())
        .isEqualTo("waiting for billing");
    steps.release(headOf("billing"), "health");

    ReleaseResult result = WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);
    assertThat(result.outcome()).isEqualTo("SUCCEEDED");
    assertThat(steps.span("audit", "job").startSeq())
        .isGreaterThan(steps.span("accounts", "health").endSeq());
    assertThat(steps.span("invoices", "job").startSeq())
        .isGreaterThan(steps.span("billing", "health").endSeq());
    assertThat(result.jobs()).extracting(JobRelease::job).containsExactly("audit", "invoices");
    JobRelease invoices = byJob(result.jobs()).get("invoices");
    assertThat(invoices.state()).isEqualTo(ServiceState.SUCCEEDED);
    assertThat(invoices.dependsOn()).containsExactly("accounts", "billing");
    assertThat(invoices.workflowId())
        .isEqualTo(WorkflowIds.job("qa", "invoices", headOf("invoices")));
    assertThat(invoices.image()).startsWith("localhost:5000/invoices@sha256:");
    assertThat(invoices.endedAt()).isGreaterThanOrEqualTo(invoices.startedAt());
    assertThat(steps.ran("unrelated", "job")).isFalse();
  }

  @Test
  void aFailedServiceSkipsTheJobsThatDependOnIt() {
    steps
        .service("accounts")
        .service("billing", "accounts")
        .job("audit", "accounts")
        .job("invoices", "billing")
        .stack("shop", "billing", "accounts")
        .failAt("billing", "health", "not healthy after 60s: 0/1 healthy");
    StackReleaseWorkflow release = start("shop");

    ReleaseResult result =
        failure(
            release,
            StackReleaseWorkflowImpl.RELEASE_FAILED,
            "job invoices: skipped: service billing failed");
    assertThat(byJob(result.jobs()).get("invoices").state()).isEqualTo(ServiceState.SKIPPED);
    assertThat(byJob(result.jobs()).get("audit").state()).isEqualTo(ServiceState.SUCCEEDED);
    assertThat(steps.ran("invoices", "job")).isFalse();
  }

  @Test
  void aFailedJobFailsTheRelease() {
    steps
        .service("accounts")
        .job("audit", "accounts")
        .stack("one", "accounts")
        .failAt("audit", "job", "Chronos refused the job: 400 invalid schedule");
    StackReleaseWorkflow release = start("one");

    ReleaseResult result =
        failure(
            release,
            StackReleaseWorkflowImpl.RELEASE_FAILED,
            "job audit: Chronos refused the job: 400 invalid schedule");
    assertThat(byJob(result.jobs()).get("audit").state()).isEqualTo(ServiceState.FAILED);
    assertThat(result.services().get(0).state()).isEqualTo(ServiceState.SUCCEEDED);
  }

  @Test
  void aRollbackCancelsTheJobsNotStarted() {
    steps
        .service("accounts")
        .service("billing", "accounts")
        .job("invoices", "billing")
        .stack("shop", "billing", "accounts")
        .previous("accounts", "localhost:5000/accounts@sha256:old")
        .hold(headOf("accounts"), "health");
    StackReleaseWorkflow release = start("shop");
    awaitTrue("accounts is in its health gate", () -> steps.ran("accounts", "health"));

    release.rollback(new RollbackRequest("wrong", "alice"));
    awaitTrue("the release rolls back", () -> "ROLLING_BACK".equals(release.status().outcome()));
    awaitTrue("accounts rolls back", () -> steps.finished("accounts", "kv-restore"));
    steps.release(headOf("accounts"), "health");

    ReleaseResult result =
        failure(release, StackReleaseWorkflowImpl.RELEASE_ROLLED_BACK, "job invoices cancelled");
    assertThat(byJob(result.jobs()).get("invoices").state()).isEqualTo(ServiceState.CANCELLED);
    assertThat(steps.ran("invoices", "job")).isFalse();
  }
}
