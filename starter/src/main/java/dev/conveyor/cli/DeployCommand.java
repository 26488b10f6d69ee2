package dev.conveyor.cli;

import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.job.JobDeployRequest;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code deploy}: starts one service's deployment (or a job's) and with --wait follows it. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Deploys one commit of one service (--service) or one batch job (--job) to one environment.",
      "Prints the workflow id (deploy/<env>/<service>/<commit12>, job/<env>/<job>/<commit12>);",
      "the same commit twice is one workflow."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:started (with --wait: deployed and healthy)",
      "1:with --wait: the deployment failed (or was rolled back), or ended SKIPPED or SUPERSEDED",
      "2:usage error, or Temporal unreachable"
    })
public final class DeployCommand implements Callable<Integer> {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{7,64}");

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin TemporalOptions temporal;

  @Option(names = "--service", description = "Service name from conveyor.yaml.")
  String service;

  @Option(
      names = "--job",
      description = "Batch job name from the jobs section of conveyor.yaml (Chronos).")
  String job;

  @Option(names = "--env", required = true, description = "Environment name from conveyor.yaml.")
  String env;

  @Option(
      names = "--commit",
      required = true,
      description = "Full source commit id (40 hex characters) to build and deploy.")
  String commit;

  @Option(
      names = "--definitions",
      paramLabel = "PATH|URL",
      description =
          "The config repo that holds conveyor.yaml (default: $CONVEYOR_DEFINITIONS, else the"
              + " current directory). A path is made absolute: the worker reads it.")
  String definitions;

  @Option(names = "--by", description = "Who asks (default: $USER).")
  String by;

  @Option(
      names = "--force",
      description = "Let the target override a deployment in progress (services only).")
  boolean force;

  @Option(names = "--wait", description = "Show each step as it finishes and wait for the end.")
  boolean await;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if ((service == null) == (job == null)) {
      err.println(
          "conveyor deploy: pass exactly one of --service (a service) and --job (a batch job)"
              + (service == null ? "" : "; --service and --job cannot be used together"));
      return ConveyorCli.USAGE;
    }
    if (job != null && force) {
      err.println("conveyor deploy: --force applies to services only; leave it out with --job");
      return ConveyorCli.USAGE;
    }
    if (!COMMIT.matcher(commit).matches()) {
      spec.commandLine()
          .getErr()
          .println(
              "conveyor deploy: --commit '"
                  + commit
                  + "' is not a commit id; pass the full hex id, e.g. from `git rev-parse HEAD`");
      return ConveyorCli.USAGE;
    }
    String location = definitionsLocation(definitions);
    if (job != null) {
      return deployJob(location, out);
    }
    try (TemporalOptions.Connection connection = temporal.connect()) {
      WorkflowClient client = connection.client();
      DeployRequest request =
          new DeployRequest(location, env, service, commit, requester(by), force);
      StartOutcome outcome = new DeploymentStarter(client).start(request);
      out.println(outcome.started() ? outcome.workflowId() : outcome.describe());
      String workflowId = outcome.workflowId();
      if (!await) {
        return ConveyorCli.OK;
      }
      return new StatusPrinter(out).follow(client, workflowId);
    }
  }

  /** Starts {@code job/<env>/<job>/<commit12>}; with --wait follows it to its end. */
  private int deployJob(String location, java.io.PrintWriter out) {
    try (TemporalOptions.Connection connection = temporal.connect()) {
      WorkflowClient client = connection.client();
      StartOutcome outcome =
          new JobDeploymentStarter(client)
              .start(new JobDeployRequest(location, env, job, commit, requester(by)));
      out.println(outcome.started() ? outcome.workflowId() : outcome.describe());
      if (!await) {
        return ConveyorCli.OK;
      }
      return new JobStatusPrinter(out).follow(client, outcome.workflowId());
    }
  }

  /** Who asks: {@code by} when given, else {@code $USER}, else the JVM's user name. */
  public static String requester(String by) {
    if (by != null && !by.isBlank()) {
      return by;
    }
    String user = System.getenv("USER");
    return user == null || user.isBlank() ? System.getProperty("user.name", "unknown") : user;
  }

  /** URLs pass through; paths become absolute so the worker, in another directory, finds them. */
  public static String definitionsLocation(String given) {
    String value = given;
    if (value == null || value.isBlank()) {
      value = System.getenv("CONVEYOR_DEFINITIONS");
    }
    if (value == null || value.isBlank()) {
      value = ".";
    }
    if (value.contains("://") || value.matches("[\\w.-]+@[\\w.-]+:.*")) {
      return value;
    }
    Path path = Path.of(value).toAbsolutePath().normalize();
    if (!Files.exists(path)) {
      throw new ConveyorCli.EnvironmentException(
          "--definitions "
              + given
              + ": "
              + path
              + " does not exist; pass the config repo that holds conveyor.yaml");
    }
    return path.toString();
  }
}
