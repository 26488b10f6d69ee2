package dev.conveyor.cli.release;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.DeployCommand;
import dev.conveyor.cli.TemporalOptions;
import dev.conveyor.workflows.promotion.Approval;
import dev.conveyor.workflows.promotion.PromotionState;
import dev.conveyor.workflows.promotion.PromotionStatus;
import dev.conveyor.workflows.promotion.PromotionWorkflow;
import dev.conveyor.workflows.promotion.Rejection;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code approve} and {@code reject}: the two answers a promotion waiting for approval takes. */
public final class ApprovalCommands {
  /** How long to wait for a worker to answer the status query before sending anyway. */
  static final Duration QUERY_WAIT = Duration.ofSeconds(3);

  private ApprovalCommands() {}

  /**
   * Sends the signal when the promotion runs and, as far as its status query says, still waits for
   * approval. Exit 0 sent, 1 ended or not waiting (nothing sent), 2 no such workflow or no
   * Temporal.
   */
  static int send(
      TemporalOptions temporal,
      String workflowId,
      PrintWriter out,
      PrintWriter err,
      String verb,
      Consumer<PromotionWorkflow> signal) {
    try (TemporalOptions.Connection connection = temporal.connect()) {
      WorkflowClient client = connection.client();
      PromotionWorkflow promotion = client.newWorkflowStub(PromotionWorkflow.class, workflowId);
      WorkflowExecutionStatus execution;
      try {
        execution = client.newUntypedWorkflowStub(workflowId).describe().getStatus();
      } catch (WorkflowNotFoundException e) {
        throw new ConveyorCli.EnvironmentException("no workflow " + workflowId);
      }
      if (execution != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        err.println(
            "conveyor "
                + verb
                + ": "
                + workflowId
                + " has ended ("
                + execution.name().replace("WORKFLOW_EXECUTION_STATUS_", "")
                + "); nothing sent");
        return ConveyorCli.FAILED;
      }
      PromotionStatus status = statusOrNull(promotion);
      if (status != null
          && status.state() != PromotionState.AWAITING_APPROVAL
          && status.state() != PromotionState.READING) {
        err.println(
            "conveyor "
                + verb
                + ": "
                + workflowId
                + " is not waiting for approval ("
                + status.state()
                + ": "
                + status.detail()
                + "); nothing sent");
        return ConveyorCli.FAILED;
      }
      try {
        signal.accept(promotion);
      } catch (WorkflowNotFoundException e) {
        throw new ConveyorCli.EnvironmentException(
            "no running workflow " + workflowId + " to " + verb);
      }
      out.println(verb + (verb.endsWith("e") ? "d " : "ed ") + workflowId);
      return ConveyorCli.OK;
    }
  }

  /**
   * The status query's answer, or null when no worker answers within {@link #QUERY_WAIT} (the
   * workflow ignores an answer it does not wait for, so the signal is sent anyway).
   */
  private static PromotionStatus statusOrNull(PromotionWorkflow promotion) {
    CompletableFuture<PromotionStatus> query = CompletableFuture.supplyAsync(promotion::status);
    try {
      return query.get(QUERY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      query.cancel(true);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** {@code approve}: lets a promotion waiting for approval go on. */
  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description = "Lets a promotion that waits for approval go on.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:approval sent",
        "1:the promotion does not wait for approval",
        "2:no such workflow, usage error, or Temporal unreachable"
      })
  public static final class ApproveCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin TemporalOptions temporal;

    @Parameters(paramLabel = "ID", description = "The promotion's workflow id.")
    String workflowId;

    @Option(names = "--comment", description = "Why, for the record.")
    String comment;

    @Option(names = "--by", description = "Who approves (default: $USER).")
    String by;

    @Override
    public Integer call() {
      Approval approval = new Approval(DeployCommand.requester(by), comment);
      return send(
          temporal,
          workflowId,
          spec.commandLine().getOut(),
          spec.commandLine().getErr(),
          "approve",
          p -> p.approve(approval));
    }
  }

  /** {@code reject}: ends a promotion waiting for approval, without changes. */
  @Command(
      name = "reject",
      mixinStandardHelpOptions = true,
      description = "Ends a promotion that waits for approval, without changes.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:rejection sent",
        "1:the promotion does not wait for approval",
        "2:no such workflow, usage error, or Temporal unreachable"
      })
  public static final class RejectCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin TemporalOptions temporal;

    @Parameters(paramLabel = "ID", description = "The promotion's workflow id.")
    String workflowId;

    @Option(names = "--reason", required = true, description = "Why not.")
    String reason;

    @Option(names = "--by", description = "Who rejects (default: $USER).")
    String by;

    @Override
    public Integer call() {
      Rejection rejection = new Rejection(DeployCommand.requester(by), reason);
      return send(
          temporal,
          workflowId,
          spec.commandLine().getOut(),
          spec.commandLine().getErr(),
          "reject",
          p -> p.reject(rejection));
    }
  }
}
