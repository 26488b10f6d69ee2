package dev.conveyor.cli.release;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.DeployCommand;
import dev.conveyor.cli.StartOutcome;
import dev.conveyor.cli.TemporalOptions;
import dev.conveyor.workflows.promotion.PromotionRequest;
import dev.conveyor.workflows.promotion.PromotionResult;
import dev.conveyor.workflows.promotion.PromotionState;
import dev.conveyor.workflows.promotion.PromotionStatus;
import dev.conveyor.workflows.promotion.PromotionWorkflow;
import dev.conveyor.workflows.release.ReleaseStatus;
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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code promote}: deploys to one environment the images of a stack live in another. */
@Command(
    name = "promote",
    mixinStandardHelpOptions = true,
    description = {
      "Deploys to one environment the exact images that are live and healthy in another, in",
      "dependency order, without rebuilding. Waits for `conveyor approve` where the target",
      "environment has `approval: required`. Prints the workflow id",
      "(promote/<stack>/<from>-to-<to>/<yyyyMMdd-HHmmss-xxxx>)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:started (with --wait: promoted)",
      "1:with --wait: failed, rejected or approval timed out",
      "2:usage error, or Temporal unreachable"
    })
public final class PromoteCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin TemporalOptions temporal;

  @Option(names = "--stack", required = true, description = "Stack name from conveyor.yaml.")
  String stack;

  @Option(names = "--from", required = true, description = "Source environment.")
  String from;

  @Option(names = "--to", required = true, description = "Target environment.")
  String to;

  @Option(
      names = "--service",
      paramLabel = "SERVICE",
      description = "Promote only these services of the stack (repeatable; default: all).")
  List<String> services = new ArrayList<>();

  @Option(
      names = "--approval-timeout",
      paramLabel = "DURATION",
      description = "How long to wait for approval, e.g. 30m, 24h (default: 24h).")
  String approvalTimeout;

  @Option(
      names = "--definitions",
      paramLabel = "PATH|URL",
      description =
          "The config repo that holds conveyor.yaml (default: $CONVEYOR_DEFINITIONS, else the"
              + " current directory).")
  String definitions;

  @Option(names = "--by", description = "Who asks (default: $USER).")
  String by;

  @Option(names = "--wait", description = "Show the promotion and its release until the end.")
  boolean await;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    long timeoutSeconds;
    try {
      timeoutSeconds = approvalTimeout == null ? 0 : parseDuration(approvalTimeout).toSeconds();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("conveyor promote: " + e.getMessage());
      return ConveyorCli.USAGE;
    }
    String location = DeployCommand.definitionsLocation(definitions);
    try (TemporalOptions.Connection connection = temporal.connect()) {
      WorkflowClient client = connection.client();
      PromotionRequest request =
          new PromotionRequest(
              location,
              stack,
              from,
              to,
              List.copyOf(services),
              DeployCommand.requester(by),
              timeoutSeconds);
      StartOutcome outcome =
          new PromotionStarter(client)
              .start(ReleaseStarter.newReleaseId(Clock.systemUTC()), request);
      out.println(outcome.started() ? outcome.workflowId() : outcome.describe());
      out.flush();
      if (!await) {
        return ConveyorCli.OK;
      }
      return follow(client, outcome.workflowId(), out);
    }
  }

  /** {@code 90s}, {@code 30m}, {@code 24h}, {@code 2d}. */
  static Duration parseDuration(String text) {
    var matcher = java.util.regex.Pattern.compile("(\\d+)([smhd])").matcher(text.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "--approval-timeout '" + text + "' is not a duration like 90s, 30m, 24h or 2d");
    }
    long n = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** Prints each change of the promotion's state, then its release live; 0 when promoted. */
  static int follow(WorkflowClient client, String workflowId, PrintWriter out) {
    PromotionWorkflow promotion = client.newWorkflowStub(PromotionWorkflow.class, workflowId);
    ReleaseView view = new ReleaseView(out, ReleaseView.terminal());
    String shown = null;
    while (true) {
      WorkflowExecutionStatus execution =
          client.newUntypedWorkflowStub(workflowId).describe().getStatus();
      try {
        PromotionStatus status = promotion.status();
        String line = status.state() + ": " + status.detail();
        if (!line.equals(shown)) {
          out.println(line);
          if (status.state() == PromotionState.AWAITING_APPROVAL) {
            out.println("  approve with: ./conveyor approve " + workflowId);
          }
          shown = line;
        }
        if (status.state() == PromotionState.RELEASING && status.releaseWorkflowId() != null) {
          ReleaseStatus release =
              client
                  .newWorkflowStub(StackReleaseWorkflow.class, status.releaseWorkflowId())
                  .status();
          view.render(release, System.currentTimeMillis());
        }
      } catch (WorkflowException | StatusRuntimeException noAnswer) {
        // no worker answered (or the release is not there yet); ask again
      }
      out.flush();
      if (execution != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return ended(client, workflowId, out);
      }
      try {
        Thread.sleep(ReleaseCommand.POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ConveyorCli.FAILED;
      }
    }
  }

  private static int ended(WorkflowClient client, String workflowId, PrintWriter out) {
    try {
      PromotionResult result =
          client.newUntypedWorkflowStub(workflowId).getResult(PromotionResult.class);
      out.println(
          workflowId
              + " "
              + result.state()
              + (result.reason() == null ? "" : ": " + result.reason()));
      out.flush();
      return result.state() == PromotionState.PROMOTED ? ConveyorCli.OK : ConveyorCli.FAILED;
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
