package dev.conveyor.workflows.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.steps.JobActivities;
import dev.conveyor.workflows.steps.JobActivities.RegisterJobRequest;
import dev.conveyor.workflows.steps.JobActivities.Scheduler;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.workflow.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Running job deployments must survive a worker upgrade: stored histories replay unchanged. */
class JobDeploymentReplayTests {

  @ParameterizedTest
  @ValueSource(strings = {"job-report.json", "job-gate-closed.json"})
  void storedHistoryReplaysOnTheCurrentWorkflow(String file) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/" + file, JobDeploymentWorkflowImpl.class);
  }

  @Test
  void registeringBeforeTheCommitFailsReplayWithANonDeterminismError() throws Exception {
    String json = Files.readString(Path.of("src/test/resources/histories/job-report.json"));
    assertThat(json).contains("ResolveJob").contains("RegisterJob").contains("SmokeRunJob");
    assertThatThrownBy(
            () -> WorkflowReplayer.replayWorkflowExecution(json, RegistersFirstWorkflow.class))
        .hasStackTraceContaining("NonDeterministicException");
  }

  /** A workflow that registers with Chronos straight away: what a careless edit would do. */
  public static final class RegistersFirstWorkflow implements JobDeploymentWorkflow {
    private final JobActivities chronos =
        Workflow.newActivityStub(JobActivities.class, JobDeploymentWorkflowImpl.REMOTE_CALL);

    @Override
    public JobDeployResult deploy(JobDeployRequest request) {
      chronos.registerJob(
          new RegisterJobRequest(
              new Scheduler(request.env(), "http://chronos:4400", "/v1/scheduler"),
              request.definitions(),
              "c0ffee",
              "chronos/qa/report.json",
              "report",
              "image",
              "id"));
      return null;
    }

    @Override
    public JobDeployStatus status() {
      return null;
    }

    @Override
    public void rollback(dev.conveyor.workflows.deploy.RollbackRequest request) {}

    @Override
    public String requestRollback(dev.conveyor.workflows.deploy.RollbackRequest request) {
      return null;
    }

    @Override
    public void validateRollback(dev.conveyor.workflows.deploy.RollbackRequest request) {}
  }
}
