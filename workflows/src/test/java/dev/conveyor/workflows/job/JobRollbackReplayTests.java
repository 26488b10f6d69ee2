package dev.conveyor.workflows.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.testing.WorkflowReplayer;
import io.temporal.workflow.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Job rollbacks must survive a worker upgrade: a deployment rolled back by signal and a rollback
 * started by the command replay unchanged.
 */
class JobRollbackReplayTests {

  @Test
  void aDeploymentRolledBackBySignalReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/job-rollback-signal.json", JobDeploymentWorkflowImpl.class);
  }

  @Test
  void aRollbackStartedByTheCommandReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/job-rollback-command.json", JobRollbackWorkflowImpl.class);
  }

  @Test
  void theStoredSignalHistoryHoldsTheVersionMarkerAndTheRestoreSteps() throws Exception {
    String json =
        Files.readString(Path.of("src/test/resources/histories/job-rollback-signal.json"));
    assertThat(json)
        .contains("EVENT_TYPE_MARKER_RECORDED")
        .contains("EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED")
        .contains("CommitRollback")
        .contains("Restore")
        .contains("RegisterJob");
  }

  @Test
  void aRollbackThatSkipsTheCommitFailsReplayWithANonDeterminismError() throws Exception {
    String json =
        Files.readString(Path.of("src/test/resources/histories/job-rollback-command.json"));
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecution(json, NoCommit.class))
        .hasStackTraceContaining("NonDeterministicException");
  }

  /** A rollback that forgets the config commit: what a careless edit would do. */
  public static final class NoCommit implements JobRollbackWorkflow {
    @Override
    public JobRollbackResult rollback(JobRollbackRequest request) {
      new JobRestorer(Workflow.getInfo().getWorkflowId())
          .restoreKv(
              new dev.conveyor.workflows.steps.ResolvedJob(
                  request.definitions(),
                  "c",
                  request.env(),
                  request.job(),
                  "rollback",
                  "r",
                  "r/" + request.job(),
                  "s",
                  "Dockerfile",
                  ".",
                  "chronos/x.json",
                  request.job(),
                  "http://chronos",
                  "/v1/scheduler",
                  null,
                  java.util.List.of(),
                  false,
                  1,
                  java.util.List.of()),
              null,
              "image",
              null);
      return null;
    }

    @Override
    public JobRollbackStatus status() {
      return null;
    }
  }
}
