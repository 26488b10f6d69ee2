package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A repository on disk, found from the path a user or git passes: a bare repository is its own git
 * directory; a repository with a work tree has it in {@code .git}.
 *
 * @param gitDir the absolute git directory (the bare repository itself, or {@code .git})
 */
record GitRepo(Path gitDir) {
  /**
   * Finds the repository at {@code path}.
   *
   * @throws ConveyorCli.EnvironmentException when there is no repository there
   */
  static GitRepo at(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    if (isGitDir(absolute)) {
      return new GitRepo(absolute);
    }
    if (isGitDir(absolute.resolve(".git"))) {
      return new GitRepo(absolute.resolve(".git"));
    }
    throw new ConveyorCli.EnvironmentException(
        "--repo "
            + path
            + ": "
            + (Files.exists(absolute) ? "not a git repository" : "does not exist")
            + "; pass the bare repository that receives the pushes, e.g. /srv/git/billing.git");
  }

  private static boolean isGitDir(Path dir) {
    return Files.isRegularFile(dir.resolve("HEAD"))
        && Files.isDirectory(dir.resolve("objects"))
        && Files.isDirectory(dir.resolve("refs"));
  }

  /** The repository's own config file, which holds the {@code [conveyor]} hook settings. */
  GitConfigFile config() {
    return new GitConfigFile(gitDir.resolve("config"));
  }

  /** Where git looks for hooks: {@code core.hooksPath} when set, else {@code hooks}. */
  Path hooksDir(List<GitConfigFile.Entry> entries) {
    List<String> configured = GitConfigFile.values(entries, "core", "hooksPath");
    if (!configured.isEmpty()) {
      String value = configured.get(configured.size() - 1);
      if (value.startsWith("~/")) {
        return Path.of(System.getProperty("user.home"), value.substring(2));
      }
      // Relative to where git runs hooks: the git directory of a bare repository, else the work
      // tree.
      Path base = gitDir.getFileName().toString().equals(".git") ? gitDir.getParent() : gitDir;
      return base.resolve(value).normalize();
    }
    return gitDir.resolve("hooks");
  }

  /** Starts that could not reach Temporal wait here. */
  Spool spool() {
    return new Spool(gitDir.resolve("conveyor-spool.jsonl"));
  }
}
