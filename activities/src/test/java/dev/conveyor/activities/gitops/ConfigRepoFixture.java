package dev.conveyor.activities.gitops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A config repository on disk, made with the git CLI: a bare {@code config.git} (branch {@code
 * main}) seeded from a work clone with {@code conveyor.yaml}, {@code marathon/accounts.json} and
 * {@code marathon/billing.json}. The work clone stands for "someone else" pushing to the remote.
 */
public final class ConfigRepoFixture {
  /** The seeded files, as resources beside this class under {@code config-repo/}. */
  public static final List<String> SEED_FILES =
      List.of("conveyor.yaml", "marathon/accounts.json", "marathon/billing.json");

  private final GitCli git;
  private final Path remote;
  private final Path work;

  private ConfigRepoFixture(GitCli git, Path remote, Path work) {
    this.git = git;
    this.remote = remote;
    this.work = work;
  }

  /** Creates {@code dir/config.git} and {@code dir/work}, seeded and pushed, on branch main. */
  public static ConfigRepoFixture create(Path dir) {
    return create(dir, "main");
  }

  /** As {@link #create(Path)}, with {@code branch} as the remote's default branch. */
  public static ConfigRepoFixture create(Path dir, String branch) {
    GitCli git = GitCli.isolatedIn(dir.resolve("home"));
    Path remote = dir.resolve("config.git");
    Path work = dir.resolve("work");
    try {
      Files.createDirectories(remote);
      git.run(remote, "init", "--bare", "--quiet", "-b", branch);
      git.run(dir, "clone", "--quiet", remote.toString(), work.toString());
      for (String file : SEED_FILES) {
        try (InputStream in = ConfigRepoFixture.class.getResourceAsStream("config-repo/" + file)) {
          if (in == null) {
            throw new IllegalStateException("missing test resource config-repo/" + file);
          }
          Path target = work.resolve(file);
          Files.createDirectories(target.getParent());
          Files.write(target, in.readAllBytes());
        }
      }
      git.run(work, "add", "-A");
      git.run(work, "commit", "--quiet", "-m", "seed definitions");
      git.run(work, "push", "--quiet", "origin", "HEAD:refs/heads/" + branch);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ConfigRepoFixture(git, remote, work);
  }

  public GitCli git() {
    return git;
  }

  /** The bare remote. */
  public Path remote() {
    return remote;
  }

  /** The other clone that pushes to the remote. */
  public Path work() {
    return work;
  }

  /** The remote's commit id of {@code rev}, e.g. {@code main} or {@code main^}. */
  public String revParse(String rev) {
    return git.line(remote, "rev-parse", rev);
  }

  /** The remote's head of main. */
  public String head() {
    return revParse("main");
  }

  /** How many commits {@code rev} has in the remote. */
  public int commitCount(String rev) {
    return Integer.parseInt(git.line(remote, "rev-list", "--count", rev));
  }

  /** {@code git show rev:path} in the remote. */
  public String show(String rev, String path) {
    return git.run(remote, "show", rev + ":" + path);
  }

  /**
   * Pushes a change from the other clone, on top of the remote's current {@code branch} (a new
   * branch starts from the remote's main).
   *
   * @return the pushed commit
   */
  public String pushFile(String branch, String path, String content, String message) {
    git.run(work, "fetch", "--quiet", "origin");
    boolean exists =
        git.exec(work, null, "rev-parse", "--verify", "--quiet", "origin/" + branch).exitCode()
            == 0;
    git.run(work, "checkout", "--quiet", "-B", branch, "origin/" + (exists ? branch : "main"));
    try {
      Path target = work.resolve(path);
      Files.createDirectories(target.getParent());
      Files.writeString(target, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    git.run(work, "add", "-A");
    git.run(work, "commit", "--quiet", "-m", message);
    git.run(work, "push", "--quiet", "origin", "HEAD:refs/heads/" + branch);
    return git.line(work, "rev-parse", "HEAD");
  }

  /** {@link #pushFile(String, String, String, String)} on main. */
  public String pushFile(String path, String content, String message) {
    return pushFile("main", path, content, message);
  }
}
