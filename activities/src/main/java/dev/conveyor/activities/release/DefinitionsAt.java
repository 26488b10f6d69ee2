package dev.conveyor.activities.release;

import dev.conveyor.activities.gitops.ConfigRepo;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.LoadResult;
import dev.conveyor.definitions.Problem;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Loads and validates the definitions of a config repo at its head or at one commit, in a fresh
 * work directory under {@code <dataDir>/release/} that is deleted afterwards. Read-only.
 */
final class DefinitionsAt {
  private DefinitionsAt() {}

  /**
   * Runs {@code use} with the commit read and the valid definitions (app templates are read from
   * the work directory, so only inside {@code use}).
   *
   * @param commit a full commit id, or null for the head of the default branch
   * @throws ApplicationFailure {@link FailureTypes#INVALID_DEFINITIONS} when they are invalid
   */
  static <T> T read(
      GitOpsSettings settings,
      String location,
      String commit,
      BiFunction<String, Definitions, T> use) {
    ConfigRepo repo = ConfigRepo.open(location, settings);
    Path workDir = createWorkDir(settings);
    try {
      Path dir = workDir.resolve("definitions");
      String at;
      if (commit == null) {
        ConfigRepo.Snapshot head = repo.readHead();
        at = head.commit();
        head.materialize(dir);
      } else {
        at = commit;
        repo.materialize(commit, dir);
      }
      LoadResult loaded = Definitions.load(dir);
      if (!loaded.ok()) {
        throw invalid(
            repo.location()
                + " at "
                + at.substring(0, Math.min(12, at.length()))
                + " has invalid definitions:\n"
                + loaded.errors().stream().map(Problem::format).collect(Collectors.joining("\n")));
      }
      return use.apply(at, loaded.definitions().orElseThrow());
    } finally {
      deleteQuietly(workDir);
    }
  }

  static ApplicationFailure unknown(String what, String name, Collection<String> names) {
    return invalid(
        "conveyor.yaml has no "
            + what
            + " '"
            + name
            + "' (it has "
            + (names.isEmpty() ? "none" : String.join(", ", names))
            + ")");
  }

  static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
  }

  private static Path createWorkDir(GitOpsSettings settings) {
    try {
      Path parent = settings.dataDir().resolve("release");
      Files.createDirectories(parent);
      return Files.createTempDirectory(parent, "definitions-");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create a work directory under " + settings.dataDir(), e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // A leftover temp dir is harmless; the next read uses a new one.
    }
  }
}
