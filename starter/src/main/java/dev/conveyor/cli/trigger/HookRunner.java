package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.DeploymentStarter;
import dev.conveyor.cli.StartOutcome;
import dev.conveyor.cli.TemporalOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the post-receive hook does with one push: route each ref, start what is mapped, print one
 * line per ref to the pusher, and spool what could not reach Temporal. It never fails the push: the
 * refs are already updated when post-receive runs, so its only job is not to lose a start.
 *
 * <p>Pushes that start nothing (tags, deletions, unmapped branches) with an empty spool never touch
 * Temporal. Spooled starts go first once Temporal answers: they are older.
 */
final class HookRunner {
  /**
   * A push waits this long for an unreachable Temporal before the hook spools; short, because the
   * pusher is waiting and the spool loses nothing.
   */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private static final String PREFIX = "conveyor: ";

  private final GitRepo repo;
  private final HookConfig config;
  private final PrintWriter out;

  HookRunner(GitRepo repo, HookConfig config, PrintWriter out) {
    this.repo = repo;
    this.config = config;
    this.out = out;
  }

  /** Handles git's {@code <old> <new> <ref>} lines of one push. */
  void run(List<String> lines, String requestedBy) {
    absorbSavedRefs(requestedBy);
    List<PushRouter.Start> starts = route(lines, requestedBy, "");
    Spool spool = repo.spool();
    if (starts.isEmpty() && spool.isEmpty()) {
      out.flush();
      return;
    }
    TemporalOptions.Connection connection;
    try {
      connection = TemporalOptions.connect(config.temporal(), config.namespace(), CONNECT_TIMEOUT);
    } catch (ConveyorCli.EnvironmentException unreachable) {
      spool.add(starts.stream().map(PushRouter.Start::start).toList());
      out.println(
          PREFIX
              + "Temporal unreachable at "
              + config.temporal()
              + (starts.isEmpty()
                  ? "; "
                  : "; spooled " + plural(starts.size(), "start") + " to " + spool.file() + "; ")
              + "the push is saved, and the next push or `conveyor hook flush --repo "
              + repo.gitDir()
              + "` starts what is spooled");
      out.flush();
      return;
    }
    try (connection) {
      TriggerStarter starter = new TriggerStarter(new DeploymentStarter(connection.client()));
      flush(spool, starter, out);
      for (PushRouter.Start start : starts) {
        try {
          out.println(
              PREFIX + start.update().ref() + " -> " + starter.start(start.start()).describe());
        } catch (RuntimeException e) {
          spool.add(List.of(start.start()));
          out.println(
              PREFIX
                  + start.update().ref()
                  + " not started ("
                  + TriggerStarter.reason(e)
                  + "); spooled to "
                  + spool.file());
        }
      }
    }
    out.flush();
  }

  /**
   * Moves the ref lines the hook script saved when it could not run the CLI into the spool, so they
   * start with this run or flush.
   */
  void absorbSavedRefs(String requestedBy) {
    List<String> taken =
        repo.spool()
            .absorb(
                repo.gitDir().resolve(HookInstaller.SAVED_REFS),
                lines ->
                    route(lines, requestedBy, "saved earlier: ").stream()
                        .map(PushRouter.Start::start)
                        .toList());
    if (!taken.isEmpty()) {
      out.println(
          PREFIX
              + "took "
              + plural((int) taken.stream().filter(line -> !line.isBlank()).count(), "ref")
              + " saved by an earlier push when the CLI could not run");
    }
  }

  /** Routes the lines and prints a note for each ref that starts nothing; returns the starts. */
  private List<PushRouter.Start> route(List<String> lines, String requestedBy, String note) {
    List<RefUpdate> updates = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      try {
        updates.add(RefUpdate.parse(line));
      } catch (IllegalArgumentException e) {
        out.println(PREFIX + note + "ignored: " + e.getMessage());
      }
    }
    List<PushRouter.Start> starts = new ArrayList<>();
    for (PushRouter.Decision decision :
        new PushRouter(config.trigger()).route(updates, requestedBy)) {
      if (decision instanceof PushRouter.Ignore ignore) {
        out.println(PREFIX + note + ignore.update().ref() + " ignored (" + ignore.reason() + ")");
      } else if (decision instanceof PushRouter.Start start) {
        starts.add(start);
      }
    }
    return starts;
  }

  /** Starts what is spooled and prints what happened; returns how many entries remain. */
  static int flush(Spool spool, TriggerStarter starter, PrintWriter out) {
    Spool.FlushResult result = spool.flush(starter::start);
    for (StartOutcome outcome : result.started()) {
      out.println(PREFIX + "spooled -> " + outcome.describe());
    }
    for (Spool.Kept kept : result.kept()) {
      out.println(
          PREFIX + "still spooled: " + kept.start().describe() + " (" + kept.reason() + ")");
    }
    return result.kept().size();
  }

  static String plural(int count, String noun) {
    return count + " " + noun + (count == 1 ? "" : "s");
  }
}
