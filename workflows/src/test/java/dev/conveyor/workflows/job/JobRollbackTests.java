package dev.conveyor.workflows.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rolling a job back: by signal or update while its deployment runs, and by {@link
 * JobRollbackWorkflow} ({@code ./conveyor rollback --job}) after it ended. {@link FakeJobSteps}
 * keeps KV, the config history and Chronos the way the real activities do.
 */
@Timeout(60)
class JobRollbackTests {
  static final String FIRST = "1111111111111111111111111111111111111111";
  static final String SECOND = "2222222222222222222222222222222222222222";
  static final String FIRST_IMAGE = "localhost:5000/report@sha256:" + "11".repeat(32);
  static final String SECOND_IMAGE = "localhost:5000/report@sha256:" + "22".repeat(32);
  static final String IMAGE_KEY = "conveyor/qa/jobs/report/image";

  TestWorkflowEnvironment env;
  FakeJobSteps steps;

  @BeforeEach
  void startEnvironment() {
    env = TestWorkflowEnvironment.newInstance();
    for (var key : SearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    steps = new FakeJobSteps();
    steps.digests.put(FIRST, "sha256:" + "11".repeat(32));
    steps.digests.put(SECOND, "sha256:" + "22".repeat(32));
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(
        JobDeploymentWorkflowImpl.class, JobRollbackWorkflowImpl.class);
    control.registerActivitiesImplementations(steps);
    Worker build = env.newWorker(TaskQueues.BUILD);
    build.registerActivitiesImplementations(steps);
    env.start();
  }

  @AfterEach
  void stopEnvironment() {
    CountDownLatch gate = steps.smokeGate;
    if (gate != null) {
      gate.countDown();
    }
    env.close();
  }

  private JobDeploymentWorkflow deployment(String commit) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            JobDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(WorkflowIds.job("qa", "report", commit))
                .build());
  }

  private JobDeployResult deploy(String commit) {
    steps.imageInRegistry = false;
    return deployment(commit).deploy(new JobDeployRequest("/defs", "qa", "report", commit, "ci"));
  }

  /** Starts a deployment whose smoke run waits until released, and returns once it waits. */
  private JobDeploymentWorkflow startWaitingInTheSmokeRun(String commit) throws Exception {
    steps.imageInRegistry = false;
    steps.smokeRun = true;
    steps.smokeGate = new CountDownLatch(1);
    JobDeploymentWorkflow running = deployment(commit);
    WorkflowClient.start(
        running::deploy, new JobDeployRequest("/defs", "qa", "report", commit, "ci"));
    assertThat(steps.smokeStarted.await(20, TimeUnit.SECONDS)).isTrue();
    return running;
  }

  private JobRollbackWorkflow newRollback(String workflowId) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            JobRollbackWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(workflowId)
                .build());
  }

  private static ApplicationFailure failureOf(Throwable thrown) {
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    return (ApplicationFailure) thrown.getCause();
  }

  @Test
  void aRollbackSignalDuringTheSmokeRunRestoresThePreviousDefinitionAuditedAndRegistered()
      throws Exception {
    deploy(FIRST);
    JobDeploymentWorkflow running = startWaitingInTheSmokeRun(SECOND);
    int before = steps.log.size();

    running.rollback(new RollbackRequest("report totals wrong", "bob"));

    Throwable thrown =
        catchThrowable(() -> WorkflowStub.fromTyped(running).getResult(JobDeployResult.class));
    ApplicationFailure failure = failureOf(thrown);
    assertThat(failure.getType()).isEqualTo(JobDeploymentWorkflowImpl.ROLLED_BACK);
    assertThat(failure.getOriginalMessage()).isEqualTo("rolled back: report totals wrong");
    // the smoke run was stopped, then config, KV and Chronos went back, in that order
    assertThat(steps.log.subList(before, steps.log.size()))
        .containsExactly("rollback-commit", "kv-restore:" + FIRST_IMAGE, "register", "verify");
    assertThat(steps.rollbackRequests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.kind()).isEqualTo(WorkloadKind.JOB);
              assertThat(r.service()).isEqualTo("report");
              assertThat(r.rollbackOf()).isEqualTo("commit-2");
              assertThat(r.to()).isNull();
              assertThat(r.requestedBy()).isEqualTo("bob");
              assertThat(r.reason()).isEqualTo("report totals wrong");
              assertThat(r.workflowId()).isEqualTo(WorkflowIds.job("qa", "report", SECOND));
            });
    assertThat(steps.kvRestores)
        .singleElement()
        .satisfies(
            k -> {
              assertThat(k.kind()).isEqualTo(WorkloadKind.JOB);
              assertThat(k.expectedImage()).isEqualTo(SECOND_IMAGE);
              assertThat(k.commit()).isEqualTo(FIRST);
            });
    assertThat(steps.kv)
        .containsEntry(IMAGE_KEY, FIRST_IMAGE)
        .containsEntry(IMAGE_KEY + "/previous", SECOND_IMAGE);
    assertThat(steps.chronosJobs).containsEntry("report-chronos", FIRST_IMAGE);
    RegisterJobRequestView last = RegisterJobRequestView.last(steps);
    assertThat(last.configCommit()).isEqualTo("commit-3");
    assertThat(last.image()).isEqualTo(FIRST_IMAGE);
    assertThat(steps.notifications)
        .last()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("ROLLED_BACK");
              assertThat(n.image()).isEqualTo(FIRST_IMAGE);
              assertThat(n.failedStep()).isEqualTo("smoke");
              assertThat(n.reason()).isEqualTo("report totals wrong (by bob)");
            });

    JobDeployStatus status = running.status();
    assertThat(status.outcome()).isEqualTo("ROLLED_BACK");
    assertThat(status.rollback())
        .startsWith("done: " + FIRST_IMAGE + " current again from commit-1")
        .contains("registered via iso8601");
    assertThat(status.steps())
        .filteredOn(s -> s.step() == JobStep.SMOKE)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.state()).isEqualTo(StepState.FAILED);
              assertThat(s.detail()).isEqualTo("stopped for a rollback");
            });
  }

  @Test
  void aRollbackUpdateIsRejectedWhenThereIsNothingToRollBackTo() throws Exception {
    JobDeploymentWorkflow running = startWaitingInTheSmokeRun(FIRST);

    assertThatThrownBy(() -> running.requestRollback(new RollbackRequest("bad", "bob")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining(
            "nothing to roll back to: this is the first deployment of job report to qa");

    steps.smokeGate.countDown();
    JobDeployResult result = WorkflowStub.fromTyped(running).getResult(JobDeployResult.class);
    assertThat(result.image()).isEqualTo(FIRST_IMAGE);
    assertThat(steps.log).doesNotContain("rollback-commit");
    assertThat(running.status().rollback()).isNull();
  }

  @Test
  void aRollbackUpdateIsAcceptedWithWhatHappensAndABlankReasonIsRejected() throws Exception {
    deploy(FIRST);
    JobDeploymentWorkflow running = startWaitingInTheSmokeRun(SECOND);

    assertThatThrownBy(() -> running.requestRollback(new RollbackRequest(" ", "bob")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("a rollback needs a reason");
    String answer = running.requestRollback(new RollbackRequest("slow", "carol"));

    assertThat(answer).isEqualTo("requested by carol: slow");
    Throwable thrown =
        catchThrowable(() -> WorkflowStub.fromTyped(running).getResult(JobDeployResult.class));
    assertThat(failureOf(thrown).getOriginalMessage()).isEqualTo("rolled back: slow");
    assertThat(steps.kv).containsEntry(IMAGE_KEY, FIRST_IMAGE);
    assertThat(steps.chronosJobs).containsEntry("report-chronos", FIRST_IMAGE);
  }

  @Test
  void aRollbackDuringTheDependenciesGateStopsBeforeAnyChange() {
    deploy(FIRST);
    steps.dependsOn = List.of("accounts");
    steps.unhealthyChecks.put("accounts", -1);
    steps.imageInRegistry = false;
    JobDeploymentWorkflow running = deployment(SECOND);
    WorkflowClient.start(
        running::deploy, new JobDeployRequest("/defs", "qa", "report", SECOND, "ci"));
    while (steps.calls(JobStep.DEPENDENCIES) == 0) {
      Thread.onSpinWait();
    }

    running.rollback(new RollbackRequest("wrong commit", "bob"));

    Throwable thrown =
        catchThrowable(() -> WorkflowStub.fromTyped(running).getResult(JobDeployResult.class));
    assertThat(failureOf(thrown).getOriginalMessage()).isEqualTo("rolled back: wrong commit");
    assertThat(steps.kv).containsEntry(IMAGE_KEY, FIRST_IMAGE);
    assertThat(steps.log).doesNotContain("rollback-commit");
    assertThat(steps.kvRestores).isEmpty();
    assertThat(running.status().rollback())
        .isEqualTo("done: stopped before any change (wrong commit)");
  }

  @Test
  void theRollbackCommandRestoresThePreviousDefinitionAfterTheDeploymentsEnded() {
    deploy(FIRST);
    deploy(SECOND);
    int before = steps.log.size();

    JobRollbackResult result =
        newRollback(WorkflowIds.jobRollback("qa", "report", "20261127-1200"))
            .rollback(new JobRollbackRequest("/defs", "qa", "report", null, "bob", "bad numbers"));

    assertThat(result.workflowId()).isEqualTo("job-rollback/qa/report/20261127-1200");
    assertThat(result.image()).isEqualTo(FIRST_IMAGE);
    assertThat(result.rolledBackImage()).isEqualTo(SECOND_IMAGE);
    assertThat(result.restoredFrom()).isEqualTo("commit-1");
    assertThat(result.configCommit()).isEqualTo("commit-3");
    assertThat(result.chronosName()).isEqualTo("report-chronos");
    assertThat(result.detail()).startsWith(FIRST_IMAGE + " current again (registered via iso8601");
    assertThat(steps.log.subList(before, steps.log.size()))
        .containsExactly(
            "resolve", "rollback-commit", "kv-restore:" + FIRST_IMAGE, "register", "verify");
    assertThat(steps.rollbackRequests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.kind()).isEqualTo(WorkloadKind.JOB);
              assertThat(r.rollbackOf()).isNull();
              assertThat(r.requestedBy()).isEqualTo("bob");
              assertThat(r.reason()).isEqualTo("bad numbers");
            });
    assertThat(steps.kvRestores)
        .singleElement()
        .satisfies(k -> assertThat(k.expectedImage()).isNull());
    assertThat(steps.kv)
        .containsEntry(IMAGE_KEY, FIRST_IMAGE)
        .containsEntry(IMAGE_KEY + "/previous", SECOND_IMAGE);
    assertThat(steps.chronosJobs).containsEntry("report-chronos", FIRST_IMAGE);
    assertThat(steps.notifications)
        .last()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("ROLLED_BACK");
              assertThat(n.service()).isEqualTo("report");
              assertThat(n.image()).isEqualTo(FIRST_IMAGE);
              assertThat(n.idempotencyKey())
                  .isEqualTo("job-rollback/qa/report/20261127-1200/rolled_back/0");
            });
  }

  @Test
  void theRollbackCommandToANamedCommitRestoresThatDefinition() {
    deploy(FIRST);
    deploy(SECOND);

    JobRollbackResult result =
        newRollback("job-rollback/qa/report/to")
            .rollback(
                new JobRollbackRequest("/defs", "qa", "report", "commit-1", "bob", "go back"));

    assertThat(result.image()).isEqualTo(FIRST_IMAGE);
    assertThat(steps.rollbackRequests.get(0).to()).isEqualTo("commit-1");
  }

  @Test
  void theRollbackCommandFailsWithNothingToRollBackToAfterOneDeployment() {
    deploy(FIRST);

    Throwable thrown =
        catchThrowable(
            () ->
                newRollback("job-rollback/qa/report/once")
                    .rollback(new JobRollbackRequest("/defs", "qa", "report", null, "bob", "bad")));

    ApplicationFailure failure = failureOf(thrown);
    assertThat(failure.getType()).isEqualTo(JobRollbackWorkflowImpl.ROLLBACK_FAILED);
    assertThat(failure.getOriginalMessage())
        .startsWith("rollback failed at commit: nothing to roll back to")
        .endsWith("(asked: bad)");
    assertThat(steps.kvRestores).isEmpty();
    assertThat(steps.notifications)
        .last()
        .satisfies(n -> assertThat(n.outcome()).isEqualTo("ROLLBACK_FAILED"));
  }

  @Test
  void theRollbackCommandNeedsAReason() {
    Throwable thrown =
        catchThrowable(
            () ->
                newRollback("job-rollback/qa/report/why")
                    .rollback(new JobRollbackRequest("/defs", "qa", "report", null, "bob", "")));

    assertThat(failureOf(thrown).getOriginalMessage())
        .isEqualTo("a rollback needs a reason (--reason)");
    assertThat(steps.log).isEmpty();
  }

  /**
   * Records the histories {@link JobRollbackReplayTests} replays (new files only; the job
   * deployment's older histories are recorded by {@link JobDeploymentWorkflowTests}). Run with
   * {@code -Dtest=JobRollbackTests -Dconveyor.record.histories=true}.
   */
  @Test
  void recordsHistoriesForReplayWhenAsked() throws Exception {
    Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    deploy(FIRST);
    JobDeploymentWorkflow running = startWaitingInTheSmokeRun(SECOND);
    running.rollback(new RollbackRequest("report totals wrong", "bob"));
    assertThatThrownBy(() -> WorkflowStub.fromTyped(running).getResult(JobDeployResult.class))
        .isInstanceOf(WorkflowFailedException.class);
    steps.smokeGate.countDown();
    steps.smokeGate = null;
    steps.smokeRun = false;
    deploy(SECOND.replace('2', '3'));
    newRollback("job-rollback/qa/report/recorded")
        .rollback(new JobRollbackRequest("/defs", "qa", "report", null, "bob", "bad numbers"));
    Path dir = Path.of("src/test/resources/histories");
    WorkflowClient client = env.getWorkflowClient();
    Files.writeString(
        dir.resolve("job-rollback-signal.json"),
        client.fetchHistory(WorkflowIds.job("qa", "report", SECOND)).toJson(true));
    Files.writeString(
        dir.resolve("job-rollback-command.json"),
        client.fetchHistory("job-rollback/qa/report/recorded").toJson(true));
  }

  /** The newest registration's commit and image. */
  private record RegisterJobRequestView(String configCommit, String image) {
    static RegisterJobRequestView last(FakeJobSteps steps) {
      var r = steps.registrations.get(steps.registrations.size() - 1);
      return new RegisterJobRequestView(r.configCommit(), r.pinnedImage());
    }
  }
}
