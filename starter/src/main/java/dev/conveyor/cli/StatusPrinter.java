package dev.conveyor.cli;

import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Renders the status query, once or as steps finish. */
final class StatusPrinter {
  /** How often --wait asks for the status; the query is cheap and answered by the worker. */
  private static final Duration POLL = Duration.ofMillis(500);

  private final PrintWriter out;

  StatusPrinter(PrintWriter out) {
    this.out = out;
  }

  int printOnce(WorkflowClient client, String workflowId) {
    WorkflowExecutionDescription description = describe(client, workflowId);
    if (JobStatusPrinter.handles(description.getWorkflowType())) {
      return new JobStatusPrinter(out)
          .printOnce(client, workflowId, description.getWorkflowType(), description.getStatus());
    }
    DeployStatus status = query(client, workflowId);
    WorkflowExecutionStatus execution = description.getStatus();
    out.printf("%s  %s%n", workflowId, execution.name().replace("WORKFLOW_EXECUTION_STATUS_", ""));
    if (status == null) {
      out.println("  (no worker answered the status query; start one with ./conveyor worker)");
      return ConveyorCli.OK;
    }
    out.printf(
        "  outcome %s  digest %s  config %s  deployment %s%n",
        status.outcome(),
        orDash(status.digest()),
        orDash(status.configCommit()),
        orDash(status.deploymentId()));
    for (StepStatus step : status.steps()) {
      out.println(line(step));
    }
    if (status.waitingFor() != null) {
      // e.g. its lane, a release gate, or a resume (./conveyor resume|abort ID)
      out.println("  waiting for: " + status.waitingFor());
    }
    if (status.rollback() != null) {
      out.println("  rollback: " + status.rollback());
    }
    return ConveyorCli.OK;
  }

  /** Prints each step once it ends; returns 0 when the deployment succeeded, 1 when it failed. */
  int follow(WorkflowClient client, String workflowId) {
    Set<String> printed = new HashSet<>();
    while (true) {
      WorkflowExecutionStatus execution = executionStatus(client, workflowId);
      DeployStatus status = query(client, workflowId);
      if (status != null) {
        for (StepStatus step : status.steps()) {
          boolean ended =
              step.state() == StepState.DONE
                  || step.state() == StepState.FAILED
                  || step.state() == StepState.SKIPPED;
          if (ended && printed.add(step.step().name())) {
            out.println(line(step));
            out.flush();
          }
        }
        if ("PAUSED".equals(status.outcome())
            && status.waitingFor() != null
            && printed.add("paused: " + status.waitingFor())) {
          out.println(
              workflowId
                  + " "
                  + status.waitingFor()
                  + "; go on with ./conveyor resume "
                  + workflowId
                  + ", stop with ./conveyor abort "
                  + workflowId);
          out.flush();
        }
        if ("BAKING".equals(status.outcome())) {
          out.println(
              workflowId
                  + " succeeded; open for a rollback during its bake window (./conveyor rollback,"
                  + " or signal rollback)");
          out.flush();
          return ConveyorCli.OK;
        }
      }
      if (execution != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        boolean ok = execution == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
        if (!ok) {
          out.println(workflowId + " " + failureOf(client, workflowId));
          out.flush();
          return ConveyorCli.FAILED;
        }
        DeployResult result =
            client.newUntypedWorkflowStub(workflowId).getResult(DeployResult.class);
        String outcome = result.outcome() == null ? DeployResult.SUCCEEDED : result.outcome();
        out.println(
            workflowId
                + " "
                + outcome
                + (result.reason() == null || result.reason().isBlank()
                    ? ""
                    : ": " + result.reason()));
        out.flush();
        return DeployResult.SUCCEEDED.equals(outcome) ? ConveyorCli.OK : ConveyorCli.FAILED;
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ConveyorCli.FAILED;
      }
    }
  }

  private static String failureOf(WorkflowClient client, String workflowId) {
    try {
      client.newUntypedWorkflowStub(workflowId).getResult(Object.class);
      return "ended";
    } catch (io.temporal.client.WorkflowFailedException e) {
      Throwable cause = e.getCause();
      return "failed: " + (cause == null ? e.getMessage() : originalMessage(cause));
    }
  }

  private static String originalMessage(Throwable cause) {
    if (cause instanceof io.temporal.failure.TemporalFailure failure) {
      return failure.getOriginalMessage();
    }
    return cause.getMessage();
  }

  private static DeployStatus query(WorkflowClient client, String workflowId) {
    try {
      return client.newWorkflowStub(ServiceDeploymentWorkflow.class, workflowId).status();
    } catch (WorkflowNotFoundException e) {
      throw new ConveyorCli.EnvironmentException(
          "no workflow "
              + workflowId
              + "; list ids with the Temporal UI or `temporal workflow list`");
    } catch (io.temporal.client.WorkflowQueryException | StatusRuntimeException e) {
      return null;
    }
  }

  static WorkflowExecutionStatus executionStatus(WorkflowClient client, String workflowId) {
    return describe(client, workflowId).getStatus();
  }

  private static WorkflowExecutionDescription describe(WorkflowClient client, String workflowId) {
    try {
      WorkflowStub stub = client.newUntypedWorkflowStub(workflowId);
      return stub.describe();
    } catch (WorkflowNotFoundException e) {
      throw new ConveyorCli.EnvironmentException(
          "no workflow "
              + workflowId
              + "; list ids with the Temporal UI or `temporal workflow list`");
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new ConveyorCli.EnvironmentException("no workflow " + workflowId);
      }
      throw e;
    }
  }

  private static String line(StepStatus step) {
    String time =
        step.millis() > 0
            ? String.format(Locale.ROOT, "%6.1fs", step.millis() / 1000.0)
            : "       ";
    return String.format(
        Locale.ROOT,
        "  %-8s %-8s %s  %s",
        step.step().label(),
        step.state().name().toLowerCase(Locale.ROOT),
        time,
        step.detail() == null ? "" : step.detail());
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }
}
