package dev.conveyor.cli.release;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.DeployCommand;
import dev.conveyor.cli.StartOutcome;
import dev.conveyor.cli.TemporalOptions;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.ReleaseStatus;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.TemporalFailure;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code release}: starts a release of a stack (or some of its services) to one environment. */
@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description = {
      "Releases the services of a stack (or some of them) to one environment in dependency order.",
      "Prints the workflow id (release/<env>/<stack>/<yyyyMMdd-HHmmss-xxxx>)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:started (with --wait: every service deployed and healthy)",
      "1:with --wait: the release failed",
      "2:usage error, or Temporal unreachable"
    })
public final class ReleaseCommand implements Callable<Integer> {
  /** How often --wait asks for the status. */
  static final Duration POLL = Duration.ofMillis(500);

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin TemporalOptions temporal;

  @Option(names = "--stack", required = true, description = "Stack name from conveyor.yaml.")
  String stack;

  @Option(names = "--env", required = true, description = "Environment name from conveyor.yaml.")
  String env;

  @Option(
      names = "--service",
      paramLabel = "SERVICE",
      description = "Release only these services of the stack (repeatable; default: all).")
  List<String> services = new ArrayList<>();

  @Option(
      names = "--commit",
      paramLabel = "SERVICE=COMMIT",
      description =
          "Pin a service to a commit, branch or tag (repeatable); the others deploy the head of"
              + " their repository's default branch.")
  List<String> commits = new ArrayList<>();

  @Option(
      names = "--definitions",
      paramLabel = "PATH|URL",
      description =
          "The config repo that holds conveyor.yaml (default: $CONVEYOR_DEFINITIONS, else the"
              + " current directory).")
  String definitions;

  @Option(names = "--by", description = "Who asks (default: $USER).")
  String by;

  @Option(names = "--wait", description = "Show every service live and wait for the end.")
  boolean await;

  @Option(
      names = "--bake",
      paramLabel = "DURATION",
      description =
          "Keep the release open this long after success (e.g. 30s, 15m, 1h) for a rollback of"
              + " the whole release: ./conveyor rollback --id RELEASE_ID --reason TEXT"
              + " (default: 0, it ends at once).")
  String bake;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> pins = new LinkedHashMap<>();
    for (String pin : commits) {
      int eq = pin.indexOf('=');
      if (eq <= 0 || eq == pin.length() - 1) {
        spec.commandLine()
            .getErr()
            .println("conveyor release: --commit '" + pin + "' is not SERVICE=COMMIT");
        return ConveyorCli.USAGE;
      }
      pins.put(pin.substring(0, eq), pin.substring(eq + 1));
    }
    long bakeSeconds;
    try {
      bakeSeconds = bake == null ? 0 : seconds(bake);
    } catch (IllegalArgumentException bad) {
      spec.commandLine().getErr().println("conveyor release: --bake " + bad.getMessage());
      return ConveyorCli.USAGE;
    }
    String location = DeployCommand.definitionsLocation(definitions);
    try (TemporalOptions.Connection connection = temporal.connect()) {
      WorkflowClient client = connection.client();
      ReleaseRequest request =
          new ReleaseRequest(
              location,
              env,
              stack,
              List.copyOf(services),
              pins,
              DeployCommand.requester(by),
              false,
              0,
              0,
              null,
              bakeSeconds);
      StartOutcome outcome =
          new ReleaseStarter(client).start(ReleaseStarter.newReleaseId(Clock.systemUTC()), request);
      out.println(outcome.started() ? outcome.workflowId() : outcome.describe());
      out.flush();
      if (!await) {
        return ConveyorCli.OK;
      }
      return follow(
          client, outcome.workflowId(), new ReleaseView(out, ReleaseView.terminal()), out);
    }
  }

  /** {@code 90s}, {@code 15m}, {@code 1h} or {@code 0} in seconds. */
  static long seconds(String duration) {
    String text = duration.strip();
    if (!text.matches("\\d+[smh]?")) {
      throw new IllegalArgumentException(
          "'" + duration + "' is not a duration: write a number with s, m or h (e.g. 15m)");
    }
    char unit = text.charAt(text.length() - 1);
    if (Character.isDigit(unit)) {
      return Long.parseLong(text);
    }
    long n = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (unit) {
      case 'h' -> n * 3600;
      case 'm' -> n * 60;
      default -> n;
    };
  }

  /** Renders the release until it ends; 0 when it succeeded, 1 when it failed. */
  static int follow(WorkflowClient client, String workflowId, ReleaseView view, PrintWriter out) {
    StackReleaseWorkflow release = client.newWorkflowStub(StackReleaseWorkflow.class, workflowId);
    while (true) {
      WorkflowExecutionStatus execution =
          client.newUntypedWorkflowStub(workflowId).describe().getStatus();
      try {
        ReleaseStatus status = release.status();
        if (status != null) {
          view.render(status, System.currentTimeMillis(), s -> currentStep(client, s));
        }
      } catch (WorkflowException | StatusRuntimeException noAnswer) {
        // no worker answered this time; the next poll asks again
      }
      if (execution != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return ended(client, workflowId, out);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ConveyorCli.FAILED;
      }
    }
  }

  /** The step the service's deployment runs now, from its own status query; null if unknown. */
  static String currentStep(WorkflowClient client, ServiceRelease service) {
    if (service.workflowId() == null
        || (service.state() != ServiceState.BUILDING
            && service.state() != ServiceState.DEPLOYING)) {
      return null;
    }
    try {
      DeployStatus status =
          client.newWorkflowStub(ServiceDeploymentWorkflow.class, service.workflowId()).status();
      if (status.waitingFor() != null) {
        return null;
      }
      return status.steps().stream()
          .filter(step -> step.state() == StepState.RUNNING)
          .map(step -> step.step().label())
          .findFirst()
          .orElse(null);
    } catch (WorkflowException | StatusRuntimeException noAnswer) {
      return null;
    }
  }

  private static int ended(WorkflowClient client, String workflowId, PrintWriter out) {
    try {
      ReleaseResult result =
          client.newUntypedWorkflowStub(workflowId).getResult(ReleaseResult.class);
      out.println(workflowId + " " + result.outcome());
      out.flush();
      return "SUCCEEDED".equals(result.outcome()) ? ConveyorCli.OK : ConveyorCli.FAILED;
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
}
