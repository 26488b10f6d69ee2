package dev.conveyor.cli;

import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.job.JobDeployResult;
import dev.conveyor.workflows.job.JobDeployStatus;
import dev.conveyor.workflows.job.JobDeploymentWorkflow;
import dev.conveyor.workflows.job.JobRollbackStatus;
import dev.conveyor.workflows.job.JobRollbackWorkflow;
import dev.conveyor.workflows.job.JobStepStatus;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowQueryException;
import io.temporal.failure.TemporalFailure;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Renders a job deployment's {@code status} query (and a job rollback's), once or as steps finish:
 * the job counterpart of {@link StatusPrinter}, which hands job workflows to it.
 */
final class JobStatusPrinter {
  /** Workflow type of a job deployment, as Temporal names it. */
  static final String JOB_DEPLOYMENT = "JobDeploymentWorkflow";

  /** Workflow type of a job rollback. */
  static final String JOB_ROLLBACK = "JobRollbackWorkflow";

  private static final Duration POLL = Duration.ofMillis(500);

  private final PrintWriter out;

  JobStatusPrinter(PrintWriter out) {
    this.out = out;
  }

  /** Whether this printer renders workflows of {@code workflowType}. */
  static boolean handles(String workflowType) {
    return JOB_DEPLOYMENT.equals(workflowType) || JOB_ROLLBACK.equals(workflowType);
  }

  int printOnce(
      WorkflowClient client,
      String workflowId,
      String workflowType,
      WorkflowExecutionStatus execution) {
    out.printf("%s  %s%n", workflowId, execution.name().replace("WORKFLOW_EXECUTION_STATUS_", ""));
    if (JOB_ROLLBACK.equals(workflowType)) {
      JobRollbackStatus status = queryRollback(client, workflowId);
      if (status == null) {
        out.println("  (no worker answered the status query; start one with ./conveyor worker)");
        return ConveyorCli.OK;
      }
      out.printf(
          "  rollback of job %s in %s to %s, by %s: %s%n",
          status.job(),
          status.env(),
          status.to() == null ? "the previous version" : status.to(),
          status.requestedBy(),
          status.reason());
      out.printf("  %s  %s%n", status.phase().toLowerCase(Locale.ROOT), orDash(status.detail()));
      return ConveyorCli.OK;
    }
    JobDeployStatus status = query(client, workflowId);
    if (status == null) {
      out.println("  (no worker answered the status query; start one with ./conveyor worker)");
      return ConveyorCli.OK;
    }
    out.printf(
        "  job %s  env %s  outcome %s  digest %s  config %s%n",
        status.job(),
        status.env(),
        status.outcome(),
        orDash(status.digest()),
        orDash(status.configCommit()));
    for (JobStepStatus step : status.steps()) {
      out.println(line(step));
    }
    if (status.rollback() != null) {
      out.println("  rollback: " + status.rollback());
    }
    return ConveyorCli.OK;
  }

  /** Prints each step once it ends; returns 0 when the job deployment succeeded, 1 otherwise. */
  int follow(WorkflowClient client, String workflowId) {
    Set<String> printed = new HashSet<>();
    while (true) {
      WorkflowExecutionStatus execution = StatusPrinter.executionStatus(client, workflowId);
      JobDeployStatus status = query(client, workflowId);
      if (status != null) {
        for (JobStepStatus step : status.steps()) {
          boolean ended =
              step.state() == StepState.DONE
                  || step.state() == StepState.FAILED
                  || step.state() == StepState.SKIPPED;
          if (ended && printed.add(step.step().name())) {
            out.println(line(step));
            out.flush();
          }
        }
      }
      if (execution != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        try {
          JobDeployResult result =
              client.newUntypedWorkflowStub(workflowId).getResult(JobDeployResult.class);
          out.println(
              workflowId
                  + " SUCCEEDED: "
                  + result.image()
                  + " registered as "
                  + result.chronosName()
                  + (result.smokeRun() == null ? "" : "; " + result.smokeRun()));
          out.flush();
          return ConveyorCli.OK;
        } catch (WorkflowFailedException e) {
          Throwable cause = e.getCause();
          out.println(
              workflowId
                  + " failed: "
                  + (cause instanceof TemporalFailure failure
                      ? failure.getOriginalMessage()
                      : String.valueOf(cause == null ? e.getMessage() : cause.getMessage())));
          out.flush();
          return ConveyorCli.FAILED;
        }
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ConveyorCli.FAILED;
      }
    }
  }

  private static JobDeployStatus query(WorkflowClient client, String workflowId) {
    try {
      return client.newWorkflowStub(JobDeploymentWorkflow.class, workflowId).status();
    } catch (WorkflowQueryException | StatusRuntimeException e) {
      return null;
    }
  }

  private static JobRollbackStatus queryRollback(WorkflowClient client, String workflowId) {
    try {
      return client.newWorkflowStub(JobRollbackWorkflow.class, workflowId).status();
    } catch (WorkflowQueryException | StatusRuntimeException e) {
      return null;
    }
  }

  /** One table row: step, state, duration, detail. */
  static String line(JobStepStatus step) {
    String time =
        step.millis() > 0
            ? String.format(Locale.ROOT, "%6.1fs", step.millis() / 1000.0)
            : "       ";
    return String.format(
        Locale.ROOT,
        "  %-12s %-8s %s  %s",
        step.step().label(),
        step.state().name().toLowerCase(Locale.ROOT),
        time,
        step.detail() == null ? "" : step.detail());
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }
}
