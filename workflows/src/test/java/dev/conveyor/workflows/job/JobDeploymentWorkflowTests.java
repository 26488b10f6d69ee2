package dev.conveyor.workflows.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobDeploymentWorkflowTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String IMAGE = "localhost:5000/report@" + FakeJobSteps.DIGEST;

  TestWorkflowEnvironment env;
  FakeJobSteps steps;

  @BeforeEach
  void startEnvironment() {
    env = TestWorkflowEnvironment.newInstance();
    for (var key : SearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    steps = new FakeJobSteps();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(JobDeploymentWorkflowImpl.class);
    control.registerActivitiesImplementations(steps);
    Worker build = env.newWorker(TaskQueues.BUILD);
    build.registerActivitiesImplementations(steps);
    env.start();
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  private JobDeploymentWorkflow newDeployment(String workflowId) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            JobDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(workflowId)
                .build());
  }

  private JobDeployResult deploy() {
    return newDeployment(WorkflowIds.job("qa", "report", COMMIT))
        .deploy(new JobDeployRequest("/defs", "qa", "report", COMMIT, "alice"));
  }

  private JobDeployStatus status() {
    return env.getWorkflowClient()
        .newWorkflowStub(JobDeploymentWorkflow.class, WorkflowIds.job("qa", "report", COMMIT))
        .status();
  }

  private static Map<JobStep, StepState> states(List<JobStepStatus> steps) {
    return steps.stream().collect(Collectors.toMap(JobStepStatus::step, JobStepStatus::state));
  }

  @Test
  void runsEveryStepInOrderAndRegistersThePinnedImage() {
    JobDeployResult result = deploy();

    assertThat(result.workflowId()).isEqualTo("job/qa/report/0123456789ab");
    assertThat(result.image()).isEqualTo(IMAGE);
    assertThat(result.digest()).isEqualTo(FakeJobSteps.DIGEST);
    assertThat(result.configCommit()).isEqualTo("commit-1");
    assertThat(result.chronosName()).isEqualTo("report-chronos");
    assertThat(result.registeredVia()).isEqualTo("iso8601");
    assertThat(result.smokeRun()).isNull();
    assertThat(result.previousImage()).isNull();
    assertThat(steps.log)
        .containsExactly("resolve", "build", "push", "kv", "commit", "register", "verify");
    assertThat(states(result.steps()))
        .containsEntry(JobStep.DEPENDENCIES, StepState.SKIPPED)
        .containsEntry(JobStep.SMOKE, StepState.SKIPPED)
        .containsEntry(JobStep.REGISTER, StepState.DONE)
        .containsEntry(JobStep.VERIFY, StepState.DONE)
        .containsEntry(JobStep.NOTIFY, StepState.DONE);
    assertThat(result.steps())
        .filteredOn(s -> s.step() == JobStep.VERIFY)
        .singleElement()
        .satisfies(
            s -> assertThat(s.detail()).isEqualTo("listed with " + IMAGE + ", schedule R//P1D"));

    // the shared steps are told that this is a job
    assertThat(steps.kvRequests)
        .singleElement()
        .satisfies(
            k -> {
              assertThat(k.kind()).isEqualTo(WorkloadKind.JOB);
              assertThat(k.service()).isEqualTo("report");
            });
    assertThat(steps.kv).containsEntry("conveyor/qa/jobs/report/image", IMAGE);
    assertThat(steps.commitRequests)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.kind()).isEqualTo(WorkloadKind.JOB);
              assertThat(c.appFile()).isEqualTo("chronos/report.json");
              assertThat(c.appId()).isEqualTo("report-chronos");
              assertThat(c.workflowId()).isEqualTo(result.workflowId());
              assertThat(c.requestedBy()).isEqualTo("alice");
            });
    assertThat(steps.chronosJobs).containsEntry("report-chronos", IMAGE);
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("SUCCEEDED");
              assertThat(n.service()).isEqualTo("report");
              assertThat(n.image()).isEqualTo(IMAGE);
              assertThat(n.idempotencyKey()).isEqualTo("job/qa/report/0123456789ab/succeeded/0");
              assertThat(n.timings())
                  .extracting(t -> t.step() + "=" + t.state())
                  .containsExactly(
                      "resolve=DONE",
                      "build=DONE",
                      "push=DONE",
                      "dependencies=SKIPPED",
                      "kv=DONE",
                      "commit=DONE",
                      "register=DONE",
                      "verify=DONE",
                      "smoke=SKIPPED");
            });
    assertThat(status().outcome()).isEqualTo("SUCCEEDED");
  }

  @Test
  void waitsForEveryServiceInDependsOnBeforeAnythingVisibleChanges() {
    steps.dependsOn = List.of("accounts", "billing");
    steps.unhealthyChecks.put("billing", 2);

    JobDeployResult result = deploy();

    assertThat(steps.log)
        .containsExactly(
            "resolve",
            "build",
            "push",
            "dependencies:accounts",
            "dependencies:billing",
            "dependencies:billing",
            "dependencies:billing",
            "kv",
            "commit",
            "register",
            "verify");
    assertThat(result.steps())
        .filteredOn(s -> s.step() == JobStep.DEPENDENCIES)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.state()).isEqualTo(StepState.DONE);
              assertThat(s.detail()).isEqualTo("accounts, billing healthy");
              assertThat(s.millis())
                  .as("two polls of billing")
                  .isGreaterThanOrEqualTo(2 * JobDeploymentWorkflowImpl.DEPENDENCY_POLL.toMillis());
            });
  }

  @Test
  void failsAtTheGateWhenADependencyStaysUnhealthyAndChangesNothing() {
    steps.dependsOn = List.of("accounts");
    steps.unhealthyChecks.put("accounts", -1);

    assertThatThrownBy(this::deploy)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining(
            "job deployment failed at step dependencies: service accounts (dependsOn) is not"
                + " healthy on qa after 10m: 0/1 healthy; task 1: GET /health -> 503");

    assertThat(steps.calls(JobStep.KV)).isZero();
    assertThat(steps.calls(JobStep.COMMIT)).isZero();
    assertThat(steps.calls(JobStep.REGISTER)).isZero();
    // one look now, then one per poll until the deadline
    assertThat(steps.calls(JobStep.DEPENDENCIES))
        .isEqualTo(
            1
                + (int)
                    (JobDeploymentWorkflowImpl.DEPENDENCY_TIMEOUT.toMillis()
                        / JobDeploymentWorkflowImpl.DEPENDENCY_POLL.toMillis()));
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("FAILED");
              assertThat(n.failedStep()).isEqualTo("dependencies");
            });
    assertThat(states(status().steps())).containsEntry(JobStep.DEPENDENCIES, StepState.FAILED);
  }

  @Test
  void aDependencyThatCannotBeCheckedFailsTheGateAtOnce() {
    steps.dependsOn = List.of("accounts");
    steps.failPermanently(
        JobStep.DEPENDENCIES,
        "conveyor.yaml has no service 'accounts'",
        FailureTypes.INVALID_DEFINITIONS);

    assertThatThrownBy(this::deploy)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .hasMessageContaining(
            "job deployment failed at step dependencies: cannot check service accounts on qa:"
                + " conveyor.yaml has no service 'accounts'");
    assertThat(steps.calls(JobStep.DEPENDENCIES)).isEqualTo(1);
  }

  @Test
  void runsTheSmokeRunWhenAskedWithTheJobsTimeout() {
    steps.smokeRun = true;

    JobDeployResult result = deploy();

    assertThat(result.smokeRun()).isEqualTo("run succeeded in 5s");
    assertThat(steps.log).endsWith("register", "verify", "smoke");
    assertThat(steps.smokeRuns)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.timeoutSeconds()).isEqualTo(600);
              assertThat(r.pinnedImage()).isEqualTo(IMAGE);
              assertThat(r.chronosName()).isEqualTo("report-chronos");
              assertThat(r.scheduler().apiPrefix()).isEqualTo("/v1/scheduler");
            });
    assertThat(states(result.steps())).containsEntry(JobStep.SMOKE, StepState.DONE);
  }

  @Test
  void aFailedSmokeRunFailsTheDeploymentWithoutRunningItAgain() {
    steps.smokeRun = true;
    steps.failPermanently(
        JobStep.SMOKE,
        "run of report-chronos failed (Chronos lastError 2026-11-27T00:00:04.000Z)",
        FailureTypes.SMOKE_RUN_FAILED);

    assertThatThrownBy(this::deploy)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .hasMessageContaining(
            "job deployment failed at step smoke: run of report-chronos failed (Chronos"
                + " lastError 2026-11-27T00:00:04.000Z)");
    assertThat(steps.calls(JobStep.SMOKE)).isEqualTo(1);
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(n -> assertThat(n.failedStep()).isEqualTo("smoke"));
  }

  @ParameterizedTest
  @EnumSource(
      value = JobStep.class,
      names = {"RESOLVE", "BUILD", "PUSH", "KV", "COMMIT", "REGISTER", "VERIFY", "SMOKE"})
  void retriesATransientFailureOfEachStepAndSucceeds(JobStep step) {
    steps.smokeRun = true;
    steps.failTransiently(step, 2);

    JobDeployResult result = deploy();

    assertThat(steps.calls(step)).isEqualTo(3);
    assertThat(states(result.steps()).values()).containsOnly(StepState.DONE, StepState.SKIPPED);
    assertThat(steps.configCommits).hasSize(1);
    assertThat(steps.notifications).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = JobStep.class,
      names = {"BUILD", "PUSH", "KV", "COMMIT", "REGISTER", "VERIFY"})
  void endsFailedWithTheReasonAndNotifiesWhenAStepFailsPermanently(JobStep step) {
    steps.failPermanently(step, step.label() + " said no", FailureTypes.REJECTED);

    assertThatThrownBy(this::deploy)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining(
            "job deployment failed at step " + step.label() + ": " + step.label() + " said no")
        .satisfies(
            f ->
                assertThat(((ApplicationFailure) f).getType())
                    .isEqualTo(JobDeploymentWorkflowImpl.JOB_DEPLOYMENT_FAILED));

    assertThat(steps.calls(step)).isEqualTo(1);
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("FAILED");
              assertThat(n.failedStep()).isEqualTo(step.label());
              assertThat(n.reason()).isEqualTo(step.label() + " said no");
            });
    JobDeployStatus status = status();
    assertThat(status.outcome()).isEqualTo("FAILED");
    assertThat(states(status.steps())).containsEntry(step, StepState.FAILED);
  }

  @Test
  void failsAtOnceWithTheValidatorMessagesWhenDefinitionsAreInvalid() {
    steps.failPermanently(
        JobStep.RESOLVE,
        "chronos/report.json:3:15: schedule \"R/x/P1D\": the start 'x' is not an ISO 8601 date",
        FailureTypes.INVALID_DEFINITIONS);

    assertThatThrownBy(this::deploy)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .hasMessageContaining(
            "job deployment failed at step resolve: chronos/report.json:3:15: schedule");
    assertThat(steps.calls(JobStep.RESOLVE)).isEqualTo(1);
    assertThat(steps.calls(JobStep.BUILD)).isZero();
    assertThat(steps.notifications).isEmpty();
    assertThat(states(status().steps())).containsEntry(JobStep.NOTIFY, StepState.SKIPPED);
  }

  @Test
  void aSecondDeploymentOfTheSameImageChangesNothing() {
    JobDeployResult first = deploy();
    JobDeployResult second =
        env.getWorkflowClient()
            .newWorkflowStub(
                JobDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId("job/qa/report/again")
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                    .build())
            .deploy(new JobDeployRequest("/defs", "qa", "report", COMMIT, "bob"));

    assertThat(second.reused()).isTrue();
    assertThat(second.image()).isEqualTo(first.image());
    assertThat(steps.configCommits).hasSize(1);
    assertThat(second.previousImage()).isNull();
    assertThat(second.steps())
        .filteredOn(s -> s.step() == JobStep.REGISTER)
        .singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("already registered: iso8601"));
  }

  /**
   * Refreshes the stored histories that {@link JobDeploymentReplayTests} replays; run with {@code
   * -Dconveyor.record.histories=true} after an intended change to the workflow.
   */
  @Test
  void recordsHistoriesForReplayWhenAsked() throws Exception {
    Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    steps.dependsOn = List.of("accounts");
    steps.unhealthyChecks.put("accounts", 1);
    steps.smokeRun = true;
    deploy();
    steps.unhealthyChecks.put("accounts", -1);
    assertThatThrownBy(
            () ->
                newDeployment("job/qa/report/gate-closed")
                    .deploy(new JobDeployRequest("/defs", "qa", "report", COMMIT, "alice")))
        .isInstanceOf(WorkflowFailedException.class);
    Path dir = Path.of("src/test/resources/histories");
    Files.createDirectories(dir);
    WorkflowClient client = env.getWorkflowClient();
    Files.writeString(
        dir.resolve("job-report.json"),
        client.fetchHistory(WorkflowIds.job("qa", "report", COMMIT)).toJson(true));
    Files.writeString(
        dir.resolve("job-gate-closed.json"),
        client.fetchHistory("job/qa/report/gate-closed").toJson(true));
  }
}
