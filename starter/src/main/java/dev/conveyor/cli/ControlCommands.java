package dev.conveyor.cli;

import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.control.Pausable;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import java.io.PrintWriter;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pause}, {@code resume} and {@code abort}: the {@link Pausable} signals, sent to a running
 * deployment or release. The same signal names serve both, so one command works for either id.
 */
final class ControlCommands {
  /** Workflow types that take the {@link Pausable} signals. */
  static final Set<String> PAUSABLE_TYPES =
      Set.of("ServiceDeploymentWorkflow", "StackReleaseWorkflow");

  private ControlCommands() {}

  /** What the three commands share: the id, who and why. */
  static final class Target {
    @Parameters(
        paramLabel = "WORKFLOW_ID",
        description = "A running deployment (deploy/…) or release (release/…).")
    String workflowId;

    @Option(names = "--reason", defaultValue = "", description = "Why, for the record.")
    String reason;

    @Option(names = "--by", description = "Who asks (default: $USER).")
    String by;
  }

  /**
   * Sends {@code signal} to the running workflow {@code target.workflowId}. Exit 0 sent; 1 no such
   * workflow, or it has ended (nothing sent); 2 a workflow that takes no such signal, or Temporal
   * unreachable.
   */
  static int send(
      TemporalOptions temporal,
      Target target,
      String signal,
      String effect,
      PrintWriter out,
      PrintWriter err) {
    String id = target.workflowId;
    OperatorAction action =
        new OperatorAction(
            target.reason == null ? "" : target.reason, DeployCommand.requester(target.by));
    try (TemporalOptions.Connection connection = temporal.connect()) {
      WorkflowClient client = connection.client();
      WorkflowExecutionDescription description;
      try {
        description = client.newUntypedWorkflowStub(id).describe();
      } catch (WorkflowNotFoundException missing) {
        err.println("conveyor " + signal + ": no workflow " + id + " (see ./conveyor list)");
        return ConveyorCli.FAILED;
      }
      if (!PAUSABLE_TYPES.contains(description.getWorkflowType())) {
        err.println(
            "conveyor "
                + signal
                + ": "
                + id
                + " is a "
                + description.getWorkflowType()
                + "; "
                + signal
                + " works on deployments and releases");
        return ConveyorCli.USAGE;
      }
      WorkflowExecutionStatus status = description.getStatus();
      if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        err.println(ended(signal, id, status));
        return ConveyorCli.FAILED;
      }
      try {
        client.newUntypedWorkflowStub(id).signal(signal, action);
      } catch (WorkflowNotFoundException closedMeanwhile) {
        err.println(ended(signal, id, null));
        return ConveyorCli.FAILED;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          err.println(ended(signal, id, null));
          return ConveyorCli.FAILED;
        }
        throw e;
      }
      out.println(id + ": " + signal + " sent (" + action.describe() + "); " + effect);
      return ConveyorCli.OK;
    }
  }

  private static String ended(String signal, String id, WorkflowExecutionStatus status) {
    String how =
        status == null
            ? ""
            : " ("
                + status
                    .name()
                    .replace("WORKFLOW_EXECUTION_STATUS_", "")
                    .toLowerCase(java.util.Locale.ROOT)
                + ")";
    return "conveyor " + signal + ": " + id + " has ended" + how + "; nothing sent";
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = {
        "Pauses a running deployment or release between steps: the running step finishes, the",
        "next one waits for resume or abort (at most 24h; then it aborts and fails)."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:pause sent",
        "1:no such workflow, or it has ended (nothing sent)",
        "2:not a deployment or release, usage error, or Temporal unreachable"
      })
  static final class PauseCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin TemporalOptions temporal;
    @Mixin Target target;

    @Override
    public Integer call() {
      return send(
          temporal,
          target,
          Pausable.PAUSE,
          "it waits before its next step (./conveyor status shows paused)",
          spec.commandLine().getOut(),
          spec.commandLine().getErr());
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Lets a paused deployment or release go on with its next step.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:resume sent",
        "1:no such workflow, or it has ended (nothing sent)",
        "2:not a deployment or release, usage error, or Temporal unreachable"
      })
  static final class ResumeCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin TemporalOptions temporal;
    @Mixin Target target;

    @Override
    public Integer call() {
      return send(
          temporal,
          target,
          Pausable.RESUME,
          "it goes on with its next step",
          spec.commandLine().getOut(),
          spec.commandLine().getErr());
    }
  }

  @Command(
      name = "abort",
      mixinStandardHelpOptions = true,
      description = {
        "Stops a running deployment or release at the next step boundary, leaving each service",
        "on its old or its new version, never a mix (docs/operations.md says what per step)."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:abort sent",
        "1:no such workflow, or it has ended (nothing sent)",
        "2:not a deployment or release, usage error, or Temporal unreachable"
      })
  static final class AbortCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin TemporalOptions temporal;
    @Mixin Target target;

    @Override
    public Integer call() {
      return send(
          temporal,
          target,
          Pausable.ABORT,
          "it stops at the next step boundary (./conveyor status ID follows it)",
          spec.commandLine().getOut(),
          spec.commandLine().getErr());
    }
  }
}
