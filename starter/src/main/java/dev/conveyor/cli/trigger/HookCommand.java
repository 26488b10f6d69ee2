package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.DeployCommand;
import dev.conveyor.cli.DeploymentStarter;
import dev.conveyor.cli.Target;
import dev.conveyor.cli.TemporalOptions;
import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.LoadResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hook}: installs, runs and maintains the git post-receive hook that starts on a push. */
@Command(
    name = "hook",
    mixinStandardHelpOptions = true,
    description = {
      "Git post-receive hook: a push to a mapped branch starts a deployment.",
      "Details: docs/triggers.md"
    },
    subcommands = {
      HookCommand.Install.class,
      HookCommand.Run.class,
      HookCommand.Flush.class,
      HookCommand.Train.class,
      CommandLine.HelpCommand.class
    })
public final class HookCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "install",
      mixinStandardHelpOptions = true,
      description = {
        "Installs the post-receive hook into a bare repository and stores its settings in the",
        "repository's git config ([conveyor] section). An existing post-receive hook is kept as",
        "post-receive.before-conveyor and still runs first. Installing again updates the settings",
        "and changes nothing else."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:installed or already up to date", "2:usage error, or a name is unknown"})
  static final class Install implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin TemporalOptions temporal;

    @Option(
        names = "--repo",
        required = true,
        paramLabel = "PATH",
        description = "The bare repository.")
    Path repo;

    @ArgGroup(exclusive = true, multiplicity = "1")
    TargetOption target;

    @Option(
        names = "--branch",
        required = true,
        paramLabel = "PATTERN=ENV",
        description = {
          "Branch to environment, repeatable; the first matching rule wins.",
          "'*' matches any characters: --branch main=qa --branch 'release/*=staging'"
        })
    List<String> branches;

    @Option(
        names = "--definitions",
        paramLabel = "PATH|URL",
        description =
            "The config repo that holds conveyor.yaml, as the worker reads it (default:"
                + " $CONVEYOR_DEFINITIONS). A path is made absolute.")
    String definitions;

    static final class TargetOption {
      @Option(names = "--service", required = true, description = "Service the repository holds.")
      String service;

      @Option(names = "--stack", required = true, description = "Stack a push releases.")
      String stack;

      Target target() {
        return service != null ? Target.service(service) : Target.stack(stack);
      }
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Target wanted = target.target();
      BranchMapping mapping;
      try {
        mapping = BranchMapping.parse(branches);
      } catch (IllegalArgumentException e) {
        err.println("conveyor hook install: " + e.getMessage());
        return ConveyorCli.USAGE;
      }
      String given = definitions != null ? definitions : System.getenv("CONVEYOR_DEFINITIONS");
      if (given == null || given.isBlank()) {
        err.println(
            "conveyor hook install: --definitions is required (or set CONVEYOR_DEFINITIONS): the"
                + " config repo that holds conveyor.yaml");
        return ConveyorCli.USAGE;
      }
      String location = DeployCommand.definitionsLocation(given);
      List<String> problems = checkNames(location, wanted, mapping, err);
      if (!problems.isEmpty()) {
        problems.forEach(problem -> err.println("conveyor hook install: " + problem));
        return ConveyorCli.USAGE;
      }
      GitRepo git = GitRepo.at(repo);
      HookConfig config =
          new HookConfig(
              new TriggerConfig(wanted, mapping, location),
              temporal.target(),
              temporal.namespace());
      List<GitConfigFile.Entry> before = HookConfig.entries(git);
      config.write(git);
      boolean settingsChanged = !HookConfig.entries(git).equals(before);
      CliLauncher launcher = launcher(err);
      HookInstaller.Result result =
          new HookInstaller(git.hooksDir(git.config().entries())).install(launcher);
      out.println(
          (result.changed() || settingsChanged ? "installed " : "up to date: ")
              + result.hook()
              + " ("
              + wanted
              + "; "
              + String.join(", ", mapping.specs())
              + "; Temporal "
              + config.temporal()
              + ")");
      if (launcher.fast() != null) {
        out.println("fast start: " + launcher.fast().appJar().getParent());
      }
      if (result.chainedNow()) {
        out.println(
            "kept the existing hook as "
                + result.hook().resolveSibling(HookInstaller.CHAINED)
                + "; it runs first, with the same input");
      } else if (result.chained()) {
        out.println(
            "chained: " + result.hook().resolveSibling(HookInstaller.CHAINED) + " runs first");
      }
      return ConveyorCli.OK;
    }

    /**
     * The command the hook runs: with the fast start when the CLI runs from its jar; without it
     * (slower, still correct) when preparing it fails.
     */
    private static CliLauncher launcher(PrintWriter err) {
      CliLauncher launcher = CliLauncher.current();
      try {
        return launcher.withFastStart();
      } catch (RuntimeException e) {
        err.println(
            "conveyor hook install: warning: no fast start for the hook ("
                + TriggerStarter.reason(e)
                + "); it runs the CLI jar directly, about twice as slow");
        return launcher;
      }
    }

    /**
     * Catches a misspelt service or environment at install time rather than at the first push, when
     * the definitions are a local directory that validates; every unknown name is reported.
     */
    private static List<String> checkNames(
        String location, Target target, BranchMapping mapping, PrintWriter err) {
      Path dir = Path.of(location);
      if (location.contains("://") || !Files.isRegularFile(dir.resolve(Definitions.FILE))) {
        return List.of();
      }
      LoadResult loaded = Definitions.load(dir);
      if (!loaded.ok()) {
        err.println(
            "conveyor hook install: warning: "
                + dir
                + " does not validate now ("
                + HookRunner.plural(loaded.errors().size(), "problem")
                + "; see `conveyor validate "
                + dir
                + "`), so names were not checked");
        return List.of();
      }
      Definitions found = loaded.definitions().orElseThrow();
      List<String> problems = new ArrayList<>();
      if (target.kind() == Target.Kind.STACK) {
        if (!found.stacks().containsKey(target.name())) {
          problems.add(
              "--stack "
                  + target.name()
                  + " is not in "
                  + dir.resolve(Definitions.FILE)
                  + " (stacks: "
                  + String.join(", ", found.stacks().keySet())
                  + ")");
        }
      } else if (!found.services().containsKey(target.name())) {
        problems.add(
            "--service "
                + target.name()
                + " is not in "
                + dir.resolve(Definitions.FILE)
                + " (services: "
                + String.join(", ", found.services().keySet())
                + ")");
      }
      for (BranchMapping.Rule rule : mapping.rules()) {
        if (!found.environments().containsKey(rule.env())) {
          problems.add(
              "--branch "
                  + rule
                  + ": environment "
                  + rule.env()
                  + " is not in "
                  + dir.resolve(Definitions.FILE)
                  + " (environments: "
                  + String.join(", ", found.environments().keySet())
                  + ")");
        }
      }
      return problems;
    }
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = {
        "What the installed hook runs: reads '<old> <new> <ref>' lines on stdin, starts a deployment",
        "for each mapped branch, prints the workflow ids, spools when Temporal is unreachable.",
        "Settings come from the repository's git config."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:handled (started, already running, ignored or spooled)",
        "2:the repository has no hook settings"
      })
  static final class Run implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--repo", required = true, paramLabel = "PATH", description = "The repository.")
    Path repo;

    @Override
    public Integer call() {
      GitRepo git = GitRepo.at(repo);
      HookConfig config = HookConfig.read(git);
      List<String> lines = new ArrayList<>();
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the hook's input", e);
      }
      new HookRunner(git, config, spec.commandLine().getOut())
          .run(lines, "hook:" + DeployCommand.requester(null));
      return ConveyorCli.OK;
    }
  }

  @Command(
      name = "flush",
      mixinStandardHelpOptions = true,
      description = {
        "Starts the deployments that the hook spooled while Temporal was unreachable.",
        "Each starts once: a spooled start whose workflow already exists is dropped."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:the spool is empty now",
        "1:some starts failed and stay spooled (each is printed with the reason)",
        "2:Temporal unreachable, or the repository has no hook settings"
      })
  static final class Flush implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--repo", required = true, paramLabel = "PATH", description = "The repository.")
    Path repo;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      GitRepo git = GitRepo.at(repo);
      HookConfig config = HookConfig.read(git);
      Spool spool = git.spool();
      new HookRunner(git, config, out).absorbSavedRefs("hook:" + DeployCommand.requester(null));
      if (spool.isEmpty()) {
        out.println("conveyor: nothing spooled in " + git.gitDir());
        return ConveyorCli.OK;
      }
      try (TemporalOptions.Connection connection =
          TemporalOptions.connect(
              config.temporal(), config.namespace(), TemporalOptions.CONNECT_TIMEOUT)) {
        int kept =
            HookRunner.flush(
                spool, new TriggerStarter(new DeploymentStarter(connection.client())), out);
        out.flush();
        return kept == 0 ? ConveyorCli.OK : ConveyorCli.FAILED;
      }
    }
  }

  @Command(
      name = "train",
      hidden = true,
      description = {
        "Runs the hook's code paths once against a Temporal address where nothing listens, in a",
        "throw-away repository, so that `hook install` can record the classes they load (AppCDS)."
      })
  static final class Train implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
      Path dir = Files.createTempDirectory("conveyor-hook-train");
      try {
        Path bare = dir.resolve("train.git");
        GitConfigFile.git("init", "--bare", "--quiet", bare.toString());
        GitRepo repo = GitRepo.at(bare);
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
          port = socket.getLocalPort();
        }
        new HookConfig(
                new TriggerConfig(
                    Target.service("train"),
                    BranchMapping.parse(List.of("main=train")),
                    dir.toString()),
                "127.0.0.1:" + port,
                "default")
            .write(repo);
        HookConfig config = HookConfig.read(repo);
        String zeros = "0".repeat(40);
        String commit = "1".repeat(40);
        PrintWriter quiet = new PrintWriter(java.io.Writer.nullWriter());
        new HookRunner(repo, config, quiet)
            .run(
                List.of(
                    zeros + " " + commit + " refs/heads/main",
                    zeros + " " + commit + " refs/tags/v1"),
                "hook:train");
        PendingStart spooled = repo.spool().entries().get(0);
        try (TemporalOptions.Connection connection =
            TemporalOptions.lazy(config.temporal(), config.namespace(), Duration.ofMillis(300))) {
          new TriggerStarter(new DeploymentStarter(connection.client())).start(spooled);
        } catch (RuntimeException expected) {
          // nothing listens there: the classes of the start are loaded, which is the point
        }
        return ConveyorCli.OK;
      } finally {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
          for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(path);
          }
        }
      }
    }
  }
}
