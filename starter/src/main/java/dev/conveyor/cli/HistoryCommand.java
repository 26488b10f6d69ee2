package dev.conveyor.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = {
      "Every deploy and rollback of a service in an environment, newest first, from the config",
      "repo's log of marathon/<env>/<service>.json: when, config commit, source commit, image,",
      "who, why and the workflow. Needs the git CLI; a URL is cloned (bare, without blobs) into",
      "a temporary directory first."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:shown (also when empty)", "2:usage error, or the repo cannot be read"})
final class HistoryCommand implements Callable<Integer> {
  /** How long one git command may take (a clone of a large config repo included). */
  static final long GIT_TIMEOUT_SECONDS = 120;

  private static final String RECORD = "\u001e";
  private static final String FIELD = "\u001f";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--service", required = true, description = "Service name from conveyor.yaml.")
  String service;

  @Option(names = "--env", required = true, description = "Environment name from conveyor.yaml.")
  String env;

  @Option(
      names = "--definitions",
      paramLabel = "PATH|URL",
      description = "The config repo (default: $CONVEYOR_DEFINITIONS, else the current directory).")
  String definitions;

  /** One commit that changed the service's app definition. */
  record Entry(
      String configCommit,
      String when,
      String subject,
      boolean rollback,
      String sourceCommit,
      String image,
      String by,
      String reason,
      String workflowId,
      String rollbackOf) {}

  @Override
  public Integer call() {
    String location = DeployCommand.definitionsLocation(definitions);
    List<Entry> entries = read(location, "marathon/" + env + "/" + service + ".json");
    print(spec.commandLine().getOut(), entries);
    return ConveyorCli.OK;
  }

  /** The log of {@code path} in the repo at {@code location} (a path or a URL), newest first. */
  static List<Entry> read(String location, String path) {
    if (!location.contains("://") && !location.matches("[\\w.-]+@[\\w.-]+:.*")) {
      return log(Path.of(location), path);
    }
    Path clone;
    try {
      clone = Files.createTempDirectory("conveyor-history");
    } catch (IOException e) {
      throw new ConveyorCli.EnvironmentException("cannot create a temporary directory: " + e);
    }
    try {
      git(
          clone.getParent(),
          "clone",
          "--quiet",
          "--bare",
          "--filter=blob:none",
          location,
          clone.toString());
      return log(clone, path);
    } finally {
      deleteQuietly(clone);
    }
  }

  private static List<Entry> log(Path repo, String path) {
    String format =
        RECORD + String.join(FIELD, "%H", "%cI", "%s", "%(trailers:only,unfold,separator=%x1d)");
    String out = git(repo, "log", "--format=" + format, "--", path);
    List<Entry> entries = new ArrayList<>();
    for (String record : out.split(RECORD)) {
      if (record.isBlank()) {
        continue;
      }
      String[] fields = record.strip().split(FIELD, -1);
      Map<String, String> trailers = new LinkedHashMap<>();
      if (fields.length > 3) {
        for (String trailer : fields[3].split("\u001d")) {
          int colon = trailer.indexOf(':');
          if (colon > 0) {
            trailers.put(trailer.substring(0, colon).strip(), trailer.substring(colon + 1).strip());
          }
        }
      }
      String rollbackOf = trailers.get("Conveyor-Rollback-Of");
      entries.add(
          new Entry(
              fields[0],
              fields[1],
              fields[2],
              rollbackOf != null,
              trailers.get("Conveyor-Commit"),
              trailers.get("Conveyor-Image"),
              trailers.get("Conveyor-Requested-By"),
              trailers.get("Conveyor-Reason"),
              trailers.get("Conveyor-Workflow-Id"),
              rollbackOf));
    }
    return entries;
  }

  static void print(PrintWriter out, List<Entry> entries) {
    if (entries.isEmpty()) {
      out.println("no deploys or rollbacks recorded");
      return;
    }
    String format = "%-25s %-8s %-12s %-12s %-40s %-12s %-30s %s%n";
    out.printf(format, "WHEN", "WHAT", "CONFIG", "SOURCE", "IMAGE", "WHO", "WORKFLOW", "WHY");
    for (Entry e : entries) {
      String what = e.rollback() ? "rollback" : e.workflowId() == null ? "manual" : "deploy";
      out.printf(
          format,
          e.when(),
          what,
          shortId(e.configCommit()),
          shortId(e.sourceCommit()),
          orDash(e.image()),
          orDash(e.by()),
          orDash(e.workflowId()),
          e.reason() != null
              ? e.reason() + (e.rollback() ? " (undoes " + shortId(e.rollbackOf()) + ")" : "")
              : e.subject());
    }
  }

  private static String shortId(String commit) {
    return commit == null ? "-" : commit.length() <= 12 ? commit : commit.substring(0, 12);
  }

  private static String orDash(String value) {
    return value == null || value.isBlank() ? "-" : value;
  }

  /** Runs git in {@code dir}; its stdout, or an environment error carrying its stderr. */
  static String git(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    Path errors = null;
    try {
      errors = Files.createTempFile("conveyor-git", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectError(errors.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
      // Inside a git hook these point at the hook's repository, not the config repo.
      builder
          .environment()
          .keySet()
          .removeAll(List.of("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"));
      builder.environment().put("GIT_TERMINAL_PROMPT", "0");
      Process process = builder.start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new ConveyorCli.EnvironmentException(
            "git " + args[0] + " took longer than " + GIT_TIMEOUT_SECONDS + "s in " + dir);
      }
      if (process.exitValue() != 0) {
        throw new ConveyorCli.EnvironmentException(
            "git "
                + args[0]
                + " failed in "
                + dir
                + ": "
                + Files.readString(errors).strip()
                + "; pass --definitions with the config repo (a path or a URL)");
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConveyorCli.EnvironmentException(
          "cannot run git (" + e.getMessage() + "); history needs the git CLI on the PATH");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConveyorCli.EnvironmentException("interrupted while running git");
    } finally {
      if (errors != null) {
        deleteQuietly(errors);
      }
    }
  }

  private static java.io.File nullDevice() {
    return new java.io.File(
        System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  private static void deleteQuietly(Path path) {
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is harmless
    }
  }
}
