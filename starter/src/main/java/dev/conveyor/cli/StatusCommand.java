package dev.conveyor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Shows where a deployment stands: each step's state, times and results.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:shown", "2:no such workflow, or Temporal unreachable"})
final class StatusCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin TemporalOptions temporal;

  @Parameters(paramLabel = "ID", description = "Workflow id, e.g. deploy/qa/billing/0123456789ab.")
  String workflowId;

  @Override
  public Integer call() {
    try (TemporalOptions.Connection connection = temporal.connect()) {
      return new StatusPrinter(spec.commandLine().getOut())
          .printOnce(connection.client(), workflowId);
    }
  }
}
