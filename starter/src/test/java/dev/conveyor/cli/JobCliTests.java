package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.job.JobDeployRequest;
import dev.conveyor.workflows.job.JobDeployResult;
import dev.conveyor.workflows.job.JobDeployStatus;
import dev.conveyor.workflows.job.JobDeploymentWorkflow;
import dev.conveyor.workflows.job.JobRollbackRequest;
import dev.conveyor.workflows.job.JobRollbackResult;
import dev.conveyor.workflows.job.JobRollbackStatus;
import dev.conveyor.workflows.job.JobRollbackWorkflow;
import dev.conveyor.workflows.job.JobStep;
import dev.conveyor.workflows.job.JobStepStatus;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job verbs of the CLI ({@code deploy --job}, {@code status job/…}, {@code rollback --job} and
 * {@code rollback --id job/…}) against the Temporal test server (its own process), with stand-in
 * job workflows on the control queue that answer the way the real ones do.
 */
@Timeout(120)
class JobCliTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  static TemporalTestServer temporal;
  static WorkerFactory workers;

  @BeforeAll
  static void startServerAndStandIns() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
    workers = WorkerFactory.newInstance(temporal.client());
    workers
        .newWorker(TaskQueues.CONTROL)
        .registerWorkflowImplementationTypes(StandInJobDeployment.class, StandInJobRollback.class);
    workers.start();
  }

  @AfterAll
  static void stopServer() {
    workers.shutdownNow();
    temporal.close();
  }

  private static Run deployJob(String job, String by, Path defs, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "deploy",
                "--temporal",
                temporal.address(),
                "--job",
                job,
                "--env",
                "qa",
                "--commit",
                COMMIT,
                "--by",
                by,
                "--definitions",
                defs.toString()));
    args.addAll(List.of(more));
    return cli(args.toArray(String[]::new));
  }

  private static <T> T input(String workflowId, Class<T> type) {
    Payloads payloads =
        temporal
            .client()
            .fetchHistory(workflowId)
            .getEvents()
            .get(0)
            .getWorkflowExecutionStartedEventAttributes()
            .getInput();
    return DefaultDataConverter.newDefaultInstance()
        .fromPayloads(0, Optional.of(payloads), type, type);
  }

  @Test
  void deployJobStartsTheJobDeploymentUnderItsIdAndASecondAskFindsIt(@TempDir Path defs) {
    Run run = deployJob("nightly", "hold", defs);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("job/qa/nightly/0123456789ab\n");
    JobDeployRequest request = input("job/qa/nightly/0123456789ab", JobDeployRequest.class);
    assertThat(request)
        .isEqualTo(
            new JobDeployRequest(
                defs.toAbsolutePath().toString(), "qa", "nightly", COMMIT, "hold"));

    Run again = deployJob("nightly", "hold", defs);

    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).isEqualTo("job/qa/nightly/0123456789ab already running\n");
  }

  @Test
  void deployJobWithWaitPrintsEachStepAndTheEndAndExitsZero(@TempDir Path defs) {
    Run run = deployJob("report", "succeed", defs, "--wait");

    assertThat(run.exitCode()).as(run.err() + run.out()).isZero();
    assertThat(run.out())
        .startsWith("job/qa/report/0123456789ab\n")
        .containsPattern("(?m)^  resolve +done .*definitions at c0ffee000000$")
        .containsPattern("(?m)^  smoke +skipped .*no smokeRun$")
        .contains(
            "job/qa/report/0123456789ab SUCCEEDED: localhost:5000/report@sha256:ab registered as"
                + " report");
  }

  @Test
  void deployJobWithWaitExitsOneWithTheReasonWhenItFails(@TempDir Path defs) {
    Run run = deployJob("broken", "fail", defs, "--wait");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out())
        .contains(
            "job/qa/broken/0123456789ab failed: job deployment failed at step register: Chronos"
                + " answered 400");
  }

  @Test
  void deployWithBothServiceAndJobIsAUsageErrorThatSaysSo() {
    Run run =
        cli("deploy", "--service", "billing", "--job", "report", "--env", "qa", "--commit", COMMIT);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--service and --job cannot be used together");
  }

  @Test
  void deployWithNeitherServiceNorJobSaysWhatToPass() {
    Run run = cli("deploy", "--env", "qa", "--commit", COMMIT);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("pass exactly one of --service (a service) and --job (a batch job)");
  }

  @Test
  void deployJobWithForceIsAUsageError() {
    Run run = cli("deploy", "--job", "report", "--env", "qa", "--commit", COMMIT, "--force");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--force applies to services only");
  }

  @Test
  void statusOfAJobDeploymentPrintsItsStepsAsATable(@TempDir Path defs) {
    deployJob("table", "hold", defs);

    Run run = cli("status", "--temporal", temporal.address(), "job/qa/table/0123456789ab");

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("job/qa/table/0123456789ab  RUNNING");
    assertThat(lines.get(1))
        .isEqualTo("  job table  env qa  outcome RUNNING  digest sha256:ab  config -");
    assertThat(lines.subList(2, lines.size()))
        .extracting(line -> line.strip().split(" +")[0])
        .containsExactly(
            "resolve",
            "build",
            "push",
            "dependencies",
            "kv",
            "commit",
            "register",
            "verify",
            "smoke",
            "notify");
    assertThat(lines.get(2))
        .containsPattern("^  resolve +done +1\\.5s  definitions at c0ffee000000$");
    assertThat(lines.get(3)).containsPattern("^  build +running +$");
  }

  @Test
  void rollbackOfAJobStartsTheJobRollbackAndWaitsForIt(@TempDir Path defs) {
    Run run =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--job",
            "report",
            "--env",
            "qa",
            "--to",
            "c0ffee12",
            "--reason",
            "wrong totals",
            "--by",
            "bob",
            "--definitions",
            defs.toString(),
            "--wait");

    assertThat(run.exitCode()).as(run.err()).isZero();
    String id = run.out().lines().findFirst().orElseThrow();
    assertThat(id).matches("job-rollback/qa/report/\\d{8}-\\d{6}");
    assertThat(run.out()).contains("rolled_back: c0ffee12 current again for bob: wrong totals");
    JobRollbackRequest input = input(id, JobRollbackRequest.class);
    assertThat(input)
        .isEqualTo(
            new JobRollbackRequest(
                defs.toAbsolutePath().toString(),
                "qa",
                "report",
                "c0ffee12",
                "bob",
                "wrong totals"));

    Run status = cli("status", "--temporal", temporal.address(), id);
    assertThat(status.exitCode()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("rollback of job report in qa to c0ffee12, by bob: wrong totals")
        .contains("rolled_back  c0ffee12 current again");
  }

  @Test
  void aJobRollbackWithNothingToRollBackToPrintsWhyAndExitsOne(@TempDir Path defs) {
    Run run =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--job",
            "fresh",
            "--env",
            "qa",
            "--reason",
            "bad",
            "--definitions",
            defs.toString(),
            "--wait");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("rollback failed at commit: nothing to roll back to");
  }

  @Test
  void rollbackWithBothServiceAndJobIsAUsageError() {
    Run run = cli("rollback", "--service", "a", "--job", "b", "--env", "qa", "--reason", "bad");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--service and --job cannot be used together");
  }

  @Test
  void rollbackOfAJobWithoutEnvIsAUsageError() {
    Run run = cli("rollback", "--job", "b", "--reason", "bad");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--job needs --env");
  }

  @Test
  void rollbackByIdReachesARunningJobDeploymentAndPrintsARefusal(@TempDir Path defs) {
    deployJob("running", "hold", defs);
    deployJob("first", "hold", defs);

    Run accepted =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--id",
            "job/qa/running/0123456789ab",
            "--reason",
            "slow",
            "--by",
            "bob");
    Run refused =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--id",
            "job/qa/first/0123456789ab",
            "--reason",
            "slow");

    assertThat(accepted.exitCode()).as(accepted.err()).isZero();
    assertThat(accepted.out())
        .contains("job/qa/running/0123456789ab: rollback accepted, requested by bob: slow");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err())
        .contains(
            "job/qa/first/0123456789ab: rollback refused: nothing to roll back to: this is the"
                + " first deployment of job first to qa");
  }

  @Test
  void rollbackByIdOfAnEndedJobDeploymentSaysToUseJobAndEnv() {
    Run run =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--id",
            "job/qa/none/0123456789ab",
            "--reason",
            "bad");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("once a job deployment has ended use --job and --env");
  }

  /**
   * Behaves as its requester ({@code requestedBy}) says: {@code succeed} and {@code fail} end at
   * once, {@code hold} runs until rolled back, with a status that has resolve done and build
   * running.
   */
  public static final class StandInJobDeployment implements JobDeploymentWorkflow {
    private JobDeployRequest request;
    private RollbackRequest rollback;
    private final List<JobStepStatus> steps = new ArrayList<>();

    @Override
    public JobDeployResult deploy(JobDeployRequest request) {
      this.request = request;
      long now = Workflow.currentTimeMillis();
      for (JobStep step : JobStep.values()) {
        steps.add(new JobStepStatus(step, StepState.PENDING, 0, 0, ""));
      }
      steps.set(
          0,
          new JobStepStatus(
              JobStep.RESOLVE, StepState.DONE, now, now + 1500, "definitions at c0ffee000000"));
      switch (request.requestedBy()) {
        case "fail" ->
            throw ApplicationFailure.newNonRetryableFailure(
                "job deployment failed at step register: Chronos answered 400",
                "JobDeploymentFailed");
        case "succeed" -> {
          steps.set(
              8, new JobStepStatus(JobStep.SMOKE, StepState.SKIPPED, now, now, "no smokeRun"));
          return new JobDeployResult(
              Workflow.getInfo().getWorkflowId(),
              request.env(),
              request.job(),
              request.commit(),
              "localhost:5000/" + request.job() + "@sha256:ab",
              "sha256:ab",
              false,
              "c0ffee",
              "c0ffee",
              request.job(),
              "iso8601",
              null,
              null,
              List.copyOf(steps));
        }
        default -> {
          steps.set(1, new JobStepStatus(JobStep.BUILD, StepState.RUNNING, now, 0, ""));
          Workflow.await(() -> rollback != null);
          throw ApplicationFailure.newNonRetryableFailure(
              "rolled back: " + rollback.reason(), "RolledBack");
        }
      }
    }

    @Override
    public JobDeployStatus status() {
      return new JobDeployStatus(
          Workflow.getInfo().getWorkflowId(),
          request.env(),
          request.job(),
          request.commit(),
          "RUNNING",
          "sha256:ab",
          null,
          List.copyOf(steps),
          null);
    }

    @Override
    public void rollback(RollbackRequest request) {
      rollback = request;
    }

    @Override
    public String requestRollback(RollbackRequest request) {
      rollback = request;
      return "requested by " + request.by() + ": " + request.reason();
    }

    @Override
    public void validateRollback(RollbackRequest request) {
      if (this.request != null && "first".equals(this.request.job())) {
        throw new IllegalArgumentException(
            "nothing to roll back to: this is the first deployment of job first to qa");
      }
    }
  }

  /** Rolls back at once, or fails as the real one does when there is no earlier version. */
  public static final class StandInJobRollback implements JobRollbackWorkflow {
    private JobRollbackRequest request;
    private String phase = "RESOLVE";
    private String detail;

    @Override
    public JobRollbackResult rollback(JobRollbackRequest request) {
      this.request = request;
      if ("fresh".equals(request.job())) {
        throw ApplicationFailure.newNonRetryableFailure(
            "rollback failed at commit: nothing to roll back to", "RollbackFailed");
      }
      phase = "ROLLED_BACK";
      detail =
          request.to() + " current again for " + request.requestedBy() + ": " + request.reason();
      return new JobRollbackResult(
          Workflow.getInfo().getWorkflowId(),
          request.env(),
          request.job(),
          null,
          request.to(),
          null,
          null,
          request.job(),
          detail);
    }

    @Override
    public JobRollbackStatus status() {
      return new JobRollbackStatus(
          Workflow.getInfo().getWorkflowId(),
          request.env(),
          request.job(),
          request.to(),
          request.requestedBy(),
          request.reason(),
          phase,
          detail);
    }
  }
}
