package dev.conveyor.cli;

import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.LoadResult;
import dev.conveyor.definitions.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Checks a definitions directory and prints every problem.",
      "Reads conveyor.yaml and the app templates; prints each problem as FILE:LINE:COLUMN: message.",
      "Changes nothing."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:valid (warnings may be printed)",
      "1:invalid: every problem is printed",
      "2:PATH is missing or not a directory"
    })
final class ValidateCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "PATH",
      description = "The definitions directory: the one that holds conveyor.yaml.")
  Path path;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if (!Files.isDirectory(path)) {
      err.println(
          "conveyor validate: "
              + path
              + (Files.exists(path) ? " is not a directory" : " does not exist")
              + "; pass the definitions directory that holds conveyor.yaml, e.g."
              + " ./conveyor validate examples/definitions");
      return ConveyorCli.USAGE;
    }
    LoadResult result = Definitions.load(path);
    for (Problem problem : result.problems()) {
      (problem.severity() == Problem.Severity.ERROR ? out : err).println(problem.format());
    }
    if (!result.ok()) {
      long errors =
          result.problems().stream().filter(p -> p.severity() == Problem.Severity.ERROR).count();
      err.println(errors + (errors == 1 ? " problem" : " problems") + " in " + path);
      return ConveyorCli.FAILED;
    }
    Definitions definitions = result.definitions().orElseThrow();
    out.printf(
        "OK: %d services, %d stacks, %d environments%n",
        definitions.services().size(),
        definitions.stacks().size(),
        definitions.environments().size());
    return ConveyorCli.OK;
  }
}
