package dev.conveyor.activities.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigRepoTests {
  @TempDir Path tmp;

  private ConfigRepoFixture fixture;
  private GitCli git;
  private GitOpsSettings settings;

  @BeforeEach
  void setUp() {
    fixture = ConfigRepoFixture.create(tmp.resolve("repos"));
    git = fixture.git();
    settings = settings(tmp.resolve("worker"), Optional.empty(), Duration.ofSeconds(30));
  }

  @Test
  void readsTheRemoteHeadAfterAnotherClonePushed() {
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);
    ConfigRepo.Snapshot first = repo.readHead();
    assertThat(first.commit()).isEqualTo(fixture.head());
    assertThat(first.branch()).isEqualTo("main");

    String pushed = fixture.pushFile("conveyor.yaml", "version: 1\n", "shrink");
    ConfigRepo.Snapshot second = repo.readHead();

    assertThat(second.commit()).isEqualTo(pushed);
    assertThat(second.read("conveyor.yaml")).map(ConfigRepoTests::text).hasValue("version: 1\n");
    assertThat(first.read("conveyor.yaml").map(ConfigRepoTests::text).orElseThrow())
        .startsWith("version: 1\nregistry: localhost:5000\n");
  }

  @Test
  void readsFilesAtAGivenCommit() {
    String seed = fixture.head();
    fixture.pushFile("marathon/accounts.json", "{}\n", "empty template");
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);

    assertThat(repo.readAt(seed, "marathon/accounts.json").map(ConfigRepoTests::text))
        .hasValue(fixture.show(seed, "marathon/accounts.json"));
    assertThat(repo.readAt(fixture.head(), "./marathon/accounts.json").map(ConfigRepoTests::text))
        .hasValue("{}\n");
    assertThat(repo.readAt(seed, "marathon/missing.json")).isEmpty();
    assertThat(repo.readAt(seed, "marathon")).as("a directory is not a file").isEmpty();
  }

  @Test
  void readsACommitPushedAfterItsLastFetch() {
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);
    repo.readHead();
    String pushed = fixture.pushFile("marathon/qa/accounts.json", "{\"id\": \"/qa\"}\n", "other");

    assertThat(repo.readAt(pushed, "marathon/qa/accounts.json").map(ConfigRepoTests::text))
        .hasValue("{\"id\": \"/qa\"}\n");
  }

  @Test
  void unknownCommitIsInvalidDefinitions() {
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);

    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class,
            () -> repo.readAt("0123456789abcdef0123456789abcdef01234567", "conveyor.yaml"));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .contains("has no commit 0123456789abcdef0123456789abcdef01234567");
  }

  @Test
  void followsTheBranchTheRemoteHeadNames() {
    ConfigRepoFixture trunk = ConfigRepoFixture.create(tmp.resolve("trunk"), "trunk");

    ConfigRepo.Snapshot head = ConfigRepo.open(trunk.remote().toString(), settings).readHead();

    assertThat(head.branch()).isEqualTo("trunk");
    assertThat(head.commit()).isEqualTo(trunk.revParse("trunk"));
  }

  @Test
  void configuredBranchWinsOverTheRemoteHead() {
    String release = fixture.pushFile("release", "conveyor.yaml", "version: 1\n", "release cut");
    fixture.pushFile("main", "README.md", "main moves on\n", "docs");
    GitOpsSettings onRelease =
        new GitOpsSettings(
            tmp.resolve("worker"),
            null,
            null,
            Optional.empty(),
            Optional.of("release"),
            Duration.ofSeconds(30));

    ConfigRepo.Snapshot head = ConfigRepo.open(fixture.remote().toString(), onRelease).readHead();

    assertThat(head.branch()).isEqualTo("release");
    assertThat(head.commit()).isEqualTo(release);
  }

  @Test
  void missingBranchIsInvalidDefinitions() {
    GitOpsSettings onGone =
        new GitOpsSettings(
            tmp.resolve("worker"),
            null,
            null,
            Optional.empty(),
            Optional.of("gone"),
            Duration.ofSeconds(30));

    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class,
            () -> ConfigRepo.open(fixture.remote().toString(), onGone).readHead());

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage()).endsWith("has no branch gone");
  }

  @Test
  void emptyRemoteSaysItIsEmpty() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty.git"));
    git.run(empty, "init", "--bare", "--quiet", "-b", "main");

    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class, () -> ConfigRepo.open(empty.toString(), settings).readHead());

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage()).contains("the repository is empty");
  }

  @Test
  void readsARepositoryWithAWorkTreeByARelativePath() {
    Path relative = Path.of("").toAbsolutePath().relativize(fixture.work());
    assertThat(relative.isAbsolute()).isFalse();

    ConfigRepo repo = ConfigRepo.open(relative.toString(), settings);
    ConfigRepo.Snapshot head = repo.readHead();

    assertThat(repo.location()).isEqualTo(fixture.work().toString());
    assertThat(head.commit()).isEqualTo(git.line(fixture.work(), "rev-parse", "HEAD"));
    assertThat(head.read("marathon/billing.json")).isPresent();
  }

  @Test
  void readsAFileUrl() {
    ConfigRepo.Snapshot head =
        ConfigRepo.open(fixture.remote().toUri().toString(), settings).readHead();

    assertThat(head.commit()).isEqualTo(fixture.head());
  }

  @Test
  void keepsOneBareCloneUnderTheDataDirectory() {
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);
    repo.readHead();
    ConfigRepo sameRepo = ConfigRepo.open(fixture.remote().toUri().toString(), settings);
    sameRepo.readHead();

    Path clone = repo.cloneDir();
    assertThat(clone.getParent()).isEqualTo(tmp.resolve("worker").resolve("config-repos"));
    assertThat(clone.getFileName().toString()).matches("config\\.git-[0-9a-f]{16}");
    assertThat(sameRepo.cloneDir()).isEqualTo(clone);
    assertThat(git.line(clone, "rev-parse", "--is-bare-repository")).isEqualTo("true");
    assertThat(git.line(clone, "rev-parse", "refs/remotes/origin/main")).isEqualTo(fixture.head());
    assertThat(git.exec(clone, null, "fsck", "--strict").exitCode()).isZero();
  }

  @Test
  void materializesTheTreeAtACommit() throws IOException {
    Path work = fixture.work();
    Files.createDirectories(work.resolve("scripts"));
    Files.writeString(work.resolve("scripts/check.sh"), "#!/bin/sh\nexit 0\n");
    work.resolve("scripts/check.sh").toFile().setExecutable(true);
    Files.createSymbolicLink(work.resolve("etc-passwd"), Path.of("/etc/passwd"));
    git.run(work, "add", "-A");
    git.run(work, "commit", "--quiet", "-m", "script and link");
    git.run(work, "push", "--quiet", "origin", "HEAD:main");
    ConfigRepo.Snapshot head = ConfigRepo.open(fixture.remote().toString(), settings).readHead();

    Path target = head.materialize(tmp.resolve("checkout"));

    List<String> expected =
        git.run(fixture.remote(), "ls-tree", "-r", "--name-only", "main")
            .lines()
            .filter(p -> !p.equals("etc-passwd"))
            .toList();
    try (Stream<Path> files = Files.walk(target)) {
      assertThat(files.filter(Files::isRegularFile).map(f -> target.relativize(f).toString()))
          .containsExactlyInAnyOrderElementsOf(expected);
    }
    for (String file : expected) {
      assertThat(Files.readString(target.resolve(file))).isEqualTo(fixture.show("main", file));
    }
    assertThat(Files.isExecutable(target.resolve("scripts/check.sh"))).isTrue();
    assertThat(Files.isExecutable(target.resolve("conveyor.yaml"))).isFalse();
    assertThat(target.resolve("etc-passwd")).doesNotExist();
  }

  @Test
  void refusesToMaterializeIntoANonEmptyDirectory() throws IOException {
    Path target = Files.createDirectories(tmp.resolve("busy"));
    Files.writeString(target.resolve("keep.txt"), "mine");
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);

    assertThatThrownBy(() -> repo.materialize(fixture.head(), target))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not empty");
    assertThat(Files.readString(target.resolve("keep.txt"))).isEqualTo("mine");
  }

  @Test
  void removesGitLockFilesLeftByACrashedProcess() throws IOException {
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);
    repo.readHead();
    Path stale = repo.cloneDir().resolve("refs/remotes/origin/main.lock");
    Files.writeString(stale, "0000000000000000000000000000000000000000\n");
    String pushed = fixture.pushFile("README.md", "after the crash\n", "docs");

    assertThat(repo.readHead().commit()).isEqualTo(pushed);
    assertThat(stale).doesNotExist();
  }

  @Test
  void replacesAHalfMadeClone() throws IOException {
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);
    Files.createDirectories(repo.cloneDir().resolve("refs"));

    assertThat(repo.readHead().commit()).isEqualTo(fixture.head());
    assertThat(git.line(repo.cloneDir(), "rev-parse", "--is-bare-repository")).isEqualTo("true");
  }

  @Test
  void waitsWhileAnotherProcessHoldsTheClone() throws Exception {
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), settings);
    repo.readHead();
    String pushed = fixture.pushFile("README.md", "while locked\n", "docs");

    try (LockHolder holder = LockHolder.start(lockFile(repo), tmp)) {
      CompletableFuture<ConfigRepo.Snapshot> read = CompletableFuture.supplyAsync(repo::readHead);
      Thread.sleep(1000);
      assertThat(read).as("reads wait for the other process").isNotDone();

      holder.release();

      assertThat(read.get(30, TimeUnit.SECONDS).commit()).isEqualTo(pushed);
    }
  }

  @Test
  void cloneLockedForLongerThanTheTimeoutFailsTransiently() throws Exception {
    GitOpsSettings impatient =
        settings(tmp.resolve("worker"), Optional.empty(), Duration.ofSeconds(1));
    ConfigRepo repo = ConfigRepo.open(fixture.remote().toString(), impatient);
    repo.readHead();

    try (LockHolder holder = LockHolder.start(lockFile(repo), tmp)) {
      assertThatThrownBy(repo::readHead)
          .isInstanceOf(ConfigRepoException.class)
          .hasMessageContaining("stayed locked by another activity or worker process");
    }
  }

  @Test
  void rejectsLocationsThatCannotBeConfigRepositories() throws IOException {
    Path plainDir = Files.createDirectories(tmp.resolve("plain"));

    assertThat(invalid(tmp.resolve("nowhere").toString())).contains("is not a directory");
    assertThat(invalid(plainDir.toString())).contains("is not a Git repository");
    assertThat(invalid("https://conveyor:hunter2@git.example.com/config.git"))
        .contains("carries a password")
        .doesNotContain("hunter2");
    assertThat(invalid("ftp://git.example.com/config.git")).contains("ftp://");
    assertThat(invalid(" ")).contains("no definitions location");
  }

  @Test
  void credentialsNeverShowInToString() {
    GitOpsSettings withCredentials =
        settings(
            tmp.resolve("worker"),
            Optional.of(GitCredentials.token("git.example.com", "ghp_topsecret")),
            Duration.ofSeconds(5));

    assertThat(withCredentials.toString()).doesNotContain("ghp_topsecret").contains("****");
  }

  private String invalid(String location) {
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> ConfigRepo.open(location, settings));
    assertThat(failure).as("open(%s) fails", location).isNotNull();
    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    return failure.getOriginalMessage();
  }

  private static Path lockFile(ConfigRepo repo) {
    return repo.cloneDir().resolveSibling(repo.cloneDir().getFileName() + ".lock");
  }

  private static GitOpsSettings settings(
      Path dataDir, Optional<GitCredentials> credentials, Duration timeout) {
    return new GitOpsSettings(dataDir, null, null, credentials, Optional.empty(), timeout);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Another JVM process holding the clone's file lock until released. */
  private static final class LockHolder implements AutoCloseable {
    private static final String SOURCE =
        """
        import java.nio.channels.FileChannel;
        import java.nio.channels.FileLock;
        import java.nio.file.Path;
        import java.nio.file.StandardOpenOption;

        public class HoldLock {
          public static void main(String[] args) throws Exception {
            try (FileChannel channel =
                    FileChannel.open(
                        Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
              System.out.println("locked");
              System.out.flush();
              System.in.read();
            }
          }
        }
        """;

    private final Process process;

    private LockHolder(Process process) {
      this.process = process;
    }

    static LockHolder start(Path lockFile, Path tmp) throws IOException {
      Path source = tmp.resolve("HoldLock.java");
      Files.writeString(source, SOURCE);
      String java = ProcessHandle.current().info().command().orElse("java");
      Process process =
          new ProcessBuilder(java, source.toString(), lockFile.toString())
              .redirectErrorStream(true)
              .start();
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (!"locked".equals(line)) {
        process.destroyForcibly();
        throw new IllegalStateException("lock holder did not start: " + line);
      }
      return new LockHolder(process);
    }

    void release() throws IOException, InterruptedException {
      process.getOutputStream().close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("lock holder did not exit");
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
