package dev.conveyor.cli;

import dev.conveyor.cli.release.ApprovalCommands;
import dev.conveyor.cli.release.PromoteCommand;
import dev.conveyor.cli.release.ReleaseCommand;
import dev.conveyor.cli.trigger.HookCommand;
import dev.conveyor.cli.trigger.WebhookCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./conveyor}. Exit codes: 0 done, 1 failed, 2 usage or environment. */
@Command(
    name = "conveyor",
    mixinStandardHelpOptions = true,
    versionProvider = ConveyorCli.Version.class,
    description = "Turns a git push into a healthy deployment, one durable Temporal workflow each.",
    subcommands = {
      ValidateCommand.class,
      DeployCommand.class,
      StatusCommand.class,
      HookCommand.class,
      WebhookCommand.class,
      ReleaseCommand.class,
      PromoteCommand.class,
      ApprovalCommands.ApproveCommand.class,
      ApprovalCommands.RejectCommand.class,
      RollbackCommand.class,
      ListCommand.class,
      HistoryCommand.class,
      ControlCommands.PauseCommand.class,
      ControlCommands.ResumeCommand.class,
      ControlCommands.AbortCommand.class,
      dev.conveyor.cli.demo.DemoCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Run a worker with: ./conveyor worker [--dev]   (--dev also starts a local Temporal server)",
      "Exit codes: 0 done, 1 the deployment or check failed, 2 usage or environment error."
    })
public final class ConveyorCli implements Runnable {
  /** Exit code: done. */
  public static final int OK = 0;

  /** Exit code: the deployment or check failed. */
  public static final int FAILED = 1;

  /** Exit code: usage or environment error. */
  public static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code; tests call this instead of {@link #main}. */
  public static int run(String... args) {
    return run(
        new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
  }

  /** Runs the CLI with the given output streams; returns its exit code. */
  public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new ConveyorCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof EnvironmentException env) {
            commandLine.getErr().println("conveyor: " + env.getMessage());
            return USAGE;
          }
          throw ex;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The environment is not as the command needs it (Temporal unreachable, path missing). */
  public static final class EnvironmentException extends RuntimeException {
    /** The message is what the CLI prints after {@code conveyor: }; say what to do. */
    public EnvironmentException(String message) {
      super(message);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = ConveyorCli.class.getPackage().getImplementationVersion();
      return new String[] {"conveyor " + (version == null ? "dev" : version)};
    }
  }
}
