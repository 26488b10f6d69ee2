package dev.conveyor.cli;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.job.JobRollbackRequest;
import dev.conveyor.workflows.job.JobRollbackResult;
import dev.conveyor.workflows.job.JobRollbackWorkflow;
import dev.conveyor.workflows.rollback.RollbackResult;
import dev.conveyor.workflows.rollback.RollbackWorkflow;
import dev.conveyor.workflows.rollback.ServiceRollbackRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description = {
      "Makes an earlier version of a service live again, through a config commit, KV, the target",
      "and the health gate; or an earlier definition of a batch job, through a config commit, KV",
      "and Chronos.",
      "  --service S --env E: starts rollback/<env>/<service>/<time> (after the bake window).",
      "  --job J --env E: starts job-rollback/<env>/<job>/<time> (after the job deployment ended).",
      "  --id DEPLOY_ID: asks a running or baking deployment (deploy/... or job/...) to roll",
      "  itself back (update requestRollback); a refusal (e.g. nothing to roll back to) is printed",
      "  at once.",
      "  --id RELEASE_ID: the same for a running or baking release: it rolls back every",
      "  service it deployed, dependents first."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:started or accepted (with --wait: rolled back and healthy)",
      "1:refused, or with --wait: the rollback failed or was superseded",
      "2:usage error, no such deployment, or Temporal unreachable"
    })
final class RollbackCommand implements Callable<Integer> {
  private static final DateTimeFormatter ROLLBACK_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin TemporalOptions temporal;

  @Option(
      names = "--id",
      paramLabel = "DEPLOY_ID|RELEASE_ID",
      description = "A running deployment's or release's id.")
  String deploymentId;

  @Option(names = "--service", description = "Service name from conveyor.yaml.")
  String service;

  @Option(names = "--job", description = "Batch job name from the jobs section of conveyor.yaml.")
  String job;

  @Option(names = "--env", description = "Environment name from conveyor.yaml.")
  String env;

  @Option(
      names = "--to",
      paramLabel = "COMMIT",
      description =
          "Config repo commit whose app (or job) definition to restore (default: the previous).")
  String to;

  @Option(
      names = "--reason",
      required = true,
      description = "Why: recorded in the commit, the history and the notification.")
  String reason;

  @Option(names = "--by", description = "Who asks (default: $USER).")
  String by;

  @Option(
      names = "--definitions",
      paramLabel = "PATH|URL",
      description =
          "The config repo that holds conveyor.yaml (default: $CONVEYOR_DEFINITIONS, else the"
              + " current directory).")
  String definitions;

  @Option(names = "--wait", description = "Wait for the rollback to end and print how.")
  boolean await;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (reason.isBlank()) {
      err.println("conveyor rollback: --reason must say why");
      return ConveyorCli.USAGE;
    }
    if (deploymentId != null) {
      if (service != null || job != null || env != null || to != null) {
        err.println(
            "conveyor rollback: --id rolls back that deployment; leave out --service, --job,"
                + " --env, --to");
        return ConveyorCli.USAGE;
      }
      try (TemporalOptions.Connection connection = temporal.connect()) {
        return requestRollback(connection.client(), out, err);
      }
    }
    if (service != null && job != null) {
      err.println(
          "conveyor rollback: --service and --job cannot be used together; pass one of them");
      return ConveyorCli.USAGE;
    }
    if (job != null) {
      if (env == null) {
        err.println("conveyor rollback: --job needs --env (the environment to roll back in)");
        return ConveyorCli.USAGE;
      }
      String location = DeployCommand.definitionsLocation(definitions);
      try (TemporalOptions.Connection connection = temporal.connect()) {
        return startJobRollback(connection.client(), location, out, err);
      }
    }
    if (service == null || env == null) {
      err.println(
          "conveyor rollback: pass --service and --env (or --id DEPLOY_ID for a running"
              + " deployment), or --job and --env for a batch job");
      return ConveyorCli.USAGE;
    }
    String location = DeployCommand.definitionsLocation(definitions);
    try (TemporalOptions.Connection connection = temporal.connect()) {
      return startRollback(connection.client(), location, out, err);
    }
  }

  private int requestRollback(WorkflowClient client, PrintWriter out, PrintWriter err) {
    ServiceDeploymentWorkflow deployment =
        client.newWorkflowStub(ServiceDeploymentWorkflow.class, deploymentId);
    try {
      String answer =
          deployment.requestRollback(new RollbackRequest(reason, DeployCommand.requester(by)));
      out.println(deploymentId + ": rollback accepted, " + answer);
      return ConveyorCli.OK;
    } catch (WorkflowUpdateException refused) {
      err.println(deploymentId + ": rollback refused: " + innermost(refused));
      return ConveyorCli.FAILED;
    } catch (WorkflowNotFoundException missing) {
      err.println(
          "conveyor rollback: no running workflow "
              + deploymentId
              + (deploymentId.startsWith("job/")
                  ? "; once a job deployment has ended use --job and --env"
                  : "; after the bake window use --service and --env"));
      return ConveyorCli.USAGE;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        err.println("conveyor rollback: no running workflow " + deploymentId);
        return ConveyorCli.USAGE;
      }
      throw e;
    }
  }

  private int startRollback(
      WorkflowClient client, String location, PrintWriter out, PrintWriter err) {
    String workflowId =
        WorkflowIds.rollback(env, service, ZonedDateTime.now(ZoneOffset.UTC).format(ROLLBACK_ID));
    RollbackWorkflow rollback =
        client.newWorkflowStub(
            RollbackWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(workflowId)
                .setStaticSummary("rollback of " + service + " in " + env + ": " + reason)
                .build());
    ServiceRollbackRequest request =
        new ServiceRollbackRequest(location, env, service, to, DeployCommand.requester(by), reason);
    try {
      WorkflowClient.start(rollback::rollback, request);
    } catch (WorkflowExecutionAlreadyStarted twice) {
      err.println("conveyor rollback: " + workflowId + " is already running; wait a second");
      return ConveyorCli.USAGE;
    }
    out.println(workflowId);
    if (!await) {
      return ConveyorCli.OK;
    }
    try {
      RollbackResult result = WorkflowStub.fromTyped(rollback).getResult(RollbackResult.class);
      out.println(result.outcome().toLowerCase(java.util.Locale.ROOT) + ": " + result.detail());
      return RollbackResult.ROLLED_BACK.equals(result.outcome())
          ? ConveyorCli.OK
          : ConveyorCli.FAILED;
    } catch (WorkflowFailedException failed) {
      err.println(workflowId + ": " + innermost(failed));
      return ConveyorCli.FAILED;
    }
  }

  private int startJobRollback(
      WorkflowClient client, String location, PrintWriter out, PrintWriter err) {
    String workflowId =
        WorkflowIds.jobRollback(env, job, ZonedDateTime.now(ZoneOffset.UTC).format(ROLLBACK_ID));
    JobRollbackWorkflow rollback =
        client.newWorkflowStub(
            JobRollbackWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(workflowId)
                .setStaticSummary("rollback of job " + job + " in " + env + ": " + reason)
                .build());
    JobRollbackRequest request =
        new JobRollbackRequest(location, env, job, to, DeployCommand.requester(by), reason);
    try {
      WorkflowClient.start(rollback::rollback, request);
    } catch (WorkflowExecutionAlreadyStarted twice) {
      err.println("conveyor rollback: " + workflowId + " is already running; wait a second");
      return ConveyorCli.USAGE;
    }
    out.println(workflowId);
    if (!await) {
      return ConveyorCli.OK;
    }
    try {
      JobRollbackResult result =
          WorkflowStub.fromTyped(rollback).getResult(JobRollbackResult.class);
      out.println("rolled_back: " + result.detail());
      return ConveyorCli.OK;
    } catch (WorkflowFailedException failed) {
      err.println(workflowId + ": " + innermost(failed));
      return ConveyorCli.FAILED;
    }
  }

  /** The workflow's or validator's own words. */
  static String innermost(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    if (cause instanceof TemporalFailure temporal) {
      return temporal.getOriginalMessage();
    }
    return cause.getMessage();
  }
}
