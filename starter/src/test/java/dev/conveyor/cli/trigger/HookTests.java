package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests;
import dev.conveyor.cli.Git;
import dev.conveyor.cli.TemporalTestServer;
import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowExecutionDescription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The post-receive hook with real git (bare repository, clone, {@code git push}) and the Temporal
 * test server as its own process. No worker runs: a started deployment waits, which is enough to
 * see that it exists with the right id and input.
 */
class HookTests {
  static final Path DEFINITIONS = ConveyorCliTests.DEFINITIONS;

  static TemporalTestServer temporal;

  @TempDir Path dir;

  @BeforeAll
  static void startTemporal() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
  }

  @AfterAll
  static void stopTemporal() {
    if (temporal != null) {
      temporal.close();
    }
  }

  static ConveyorCliTests.Run install(Path bare, String temporalAddress, String... extra) {
    List<String> args = new ArrayList<>(List.of("hook", "install", "--repo", bare.toString()));
    args.addAll(List.of("--definitions", DEFINITIONS.toString(), "--temporal", temporalAddress));
    args.addAll(List.of(extra));
    return ConveyorCliTests.cli(args.toArray(String[]::new));
  }

  static ConveyorCliTests.Run installBilling(Path bare, String temporalAddress) {
    ConveyorCliTests.Run run =
        install(
            bare,
            temporalAddress,
            "--service",
            "billing",
            "--branch",
            "main=qa",
            "--branch",
            "release/*=prod");
    assertThat(run.exitCode()).as(run.err()).isZero();
    return run;
  }

  static String deployId(String env, String commit) {
    return WorkflowIds.deployment(env, "billing", commit);
  }

  @Test
  void pushToAMappedBranchStartsADeploymentOfThatCommit() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    installBilling(bare, temporal.address());
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();

    String push = Git.ok(clone, "push", "origin", "main");

    String id = deployId("qa", commit);
    assertThat(push).contains("remote: conveyor: refs/heads/main -> " + id + " started");
    WorkflowExecutionDescription description = temporal.describe(id).orElseThrow();
    assertThat(description.getWorkflowType()).isEqualTo("ServiceDeploymentWorkflow");
    assertThat(description.getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    assertThat(description.getTaskQueue()).isEqualTo(TaskQueues.CONTROL);
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.SERVICE))
        .isEqualTo("billing");
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.COMMIT))
        .isEqualTo(commit);
    DeployRequest input = temporal.input(id);
    assertThat(input.definitions()).isEqualTo(DEFINITIONS.toString());
    assertThat(input.env()).isEqualTo("qa");
    assertThat(input.service()).isEqualTo("billing");
    assertThat(input.commit()).isEqualTo(commit);
    assertThat(input.requestedBy()).startsWith("hook:");
    assertThat(input.force()).isFalse();
  }

  @Test
  void tagPushBranchDeleteAndUnmappedBranchStartNothing() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    installBilling(bare, "127.0.0.1:1");
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();
    Git.ok(clone, "tag", "v1.0");
    // Temporal at 127.0.0.1:1 answers nothing: a push that starts nothing must not even try.
    String tag = Git.ok(clone, "push", "origin", "v1.0");
    String feature = Git.ok(clone, "push", "origin", "HEAD:refs/heads/feature/x");
    String delete = Git.ok(clone, "push", "origin", ":refs/heads/feature/x");

    assertThat(tag).contains("remote: conveyor: refs/tags/v1.0 ignored (tag)");
    assertThat(feature)
        .contains(
            "remote: conveyor: refs/heads/feature/x ignored (branch not mapped; mapped: main,"
                + " release/*)");
    assertThat(delete).contains("remote: conveyor: refs/heads/feature/x ignored (branch deleted)");
    assertThat(tag + feature + delete).doesNotContain("unreachable").doesNotContain("spooled");
    assertThat(Files.exists(bare.resolve("conveyor-spool.jsonl"))).isFalse();
    assertThat(temporal.exists(deployId("qa", commit))).isFalse();
    assertThat(temporal.exists(deployId("prod", commit))).isFalse();
  }

  @Test
  void deletingAMappedBranchStartsNothing() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    Git.ok(clone, "push", "origin", "main", "HEAD:refs/heads/release/1");
    installBilling(bare, temporal.address());

    String delete = Git.ok(clone, "push", "origin", ":refs/heads/release/1");

    assertThat(delete).contains("remote: conveyor: refs/heads/release/1 ignored (branch deleted)");
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();
    assertThat(temporal.exists(deployId("prod", commit))).isFalse();
  }

  @Test
  void severalRefsInOnePushStartOneDeploymentEach() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    installBilling(bare, temporal.address());
    String first = Git.ok(clone, "rev-parse", "HEAD").trim();
    Git.ok(clone, "branch", "release/2");
    String second = Git.commit(clone, "second");

    String push = Git.ok(clone, "push", "origin", "main", "release/2");

    assertThat(push)
        .contains("refs/heads/main -> " + deployId("qa", second) + " started")
        .contains("refs/heads/release/2 -> " + deployId("prod", first) + " started");
    assertThat(temporal.input(deployId("qa", second)).commit()).isEqualTo(second);
    assertThat(temporal.input(deployId("prod", first)).commit()).isEqualTo(first);
  }

  @Test
  void theSameCommitPushedTwiceIsOneWorkflowAndTheSecondPushSaysAlreadyRunning()
      throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    ConveyorCliTests.Run run =
        install(
            bare,
            temporal.address(),
            "--service",
            "billing",
            "--branch",
            "main=qa",
            "--branch",
            "hotfix/*=qa");
    assertThat(run.exitCode()).as(run.err()).isZero();
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();
    String id = deployId("qa", commit);

    String firstPush = Git.ok(clone, "push", "origin", "main");
    String runId = temporal.runId(id);
    String secondPush = Git.ok(clone, "push", "origin", "HEAD:refs/heads/hotfix/1");

    assertThat(firstPush).contains("refs/heads/main -> " + id + " started");
    assertThat(secondPush).contains("refs/heads/hotfix/1 -> " + id + " already running");
    assertThat(temporal.runId(id)).isEqualTo(runId);
  }

  @Test
  void anExistingHookIsKeptAndStillRunsWithTheSameInput() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    Path seen = dir.resolve("seen-by-old-hook.txt");
    String oldHook = "#!/bin/sh\necho \"old hook ran\"\ncat > '" + seen + "'\n";
    Path hook = bare.resolve("hooks/post-receive");
    Files.writeString(hook, oldHook);
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));

    ConveyorCliTests.Run run = installBilling(bare, temporal.address());
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();
    String push = Git.ok(clone, "push", "origin", "main");

    assertThat(run.out()).contains("kept the existing hook as");
    assertThat(Files.readString(bare.resolve("hooks/post-receive.before-conveyor")))
        .isEqualTo(oldHook);
    assertThat(push).contains("remote: old hook ran");
    assertThat(Files.readString(seen, StandardCharsets.UTF_8))
        .matches("[0-9a-f]{40} " + commit + " refs/heads/main\n");
    assertThat(push).contains("refs/heads/main -> " + deployId("qa", commit) + " started");
  }

  @Test
  void installingTwiceChangesNothing() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path hook = bare.resolve("hooks/post-receive");
    Files.writeString(hook, "#!/bin/sh\necho old\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));

    ConveyorCliTests.Run first = installBilling(bare, temporal.address());
    String script = Files.readString(hook);
    String settings = Git.ok(bare, "config", "--get-regexp", "^conveyor\\.");
    ConveyorCliTests.Run second = installBilling(bare, temporal.address());

    assertThat(first.out()).startsWith("installed ");
    assertThat(second.out()).startsWith("up to date: ");
    assertThat(second.out()).doesNotContain("kept the existing hook");
    assertThat(Files.readString(hook)).isEqualTo(script);
    assertThat(Files.readString(bare.resolve("hooks/post-receive.before-conveyor")))
        .isEqualTo("#!/bin/sh\necho old\n");
    assertThat(Git.ok(bare, "config", "--get-regexp", "^conveyor\\.")).isEqualTo(settings);
    assertThat(settings)
        .isEqualTo(
            "conveyor.service billing\n"
                + "conveyor.branch main=qa\n"
                + "conveyor.branch release/*=prod\n"
                + "conveyor.definitions "
                + DEFINITIONS
                + "\n"
                + "conveyor.temporal "
                + temporal.address()
                + "\n"
                + "conveyor.namespace default\n");
    try (var files = Files.list(bare.resolve("hooks"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".sample")))
          .containsExactlyInAnyOrder("post-receive", "post-receive.before-conveyor");
    }
  }

  @Test
  void whenTemporalIsDownThePushSucceedsAndTheStartIsSpooledThenFlushedExactlyOnce()
      throws Exception {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    int port = TemporalTestServer.freePort();
    installBilling(bare, TemporalTestServer.address(port));
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();
    String id = deployId("qa", commit);

    Git.Result push = Git.run(clone, "push", "origin", "main");

    assertThat(push.exitCode()).as(push.output()).isZero();
    assertThat(push.output())
        .contains("remote: conveyor: Temporal unreachable at 127.0.0.1:" + port)
        .contains("spooled 1 start to " + bare.resolve("conveyor-spool.jsonl"));
    assertThat(Git.ok(clone, "ls-remote", "origin", "refs/heads/main")).startsWith(commit);
    assertThat(Files.readAllLines(bare.resolve("conveyor-spool.jsonl"))).hasSize(1);

    try (TemporalTestServer later = TemporalTestServer.start(port)) {
      ConveyorCliTests.Run flush = ConveyorCliTests.cli("hook", "flush", "--repo", bare.toString());
      String runId = later.runId(id);
      ConveyorCliTests.Run again = ConveyorCliTests.cli("hook", "flush", "--repo", bare.toString());

      assertThat(flush.exitCode()).as(flush.err()).isZero();
      assertThat(flush.out()).isEqualTo("conveyor: spooled -> " + id + " started\n");
      assertThat(later.input(id).commit()).isEqualTo(commit);
      assertThat(again.exitCode()).isZero();
      assertThat(again.out()).startsWith("conveyor: nothing spooled");
      assertThat(later.runId(id)).isEqualTo(runId);
      assertThat(Files.exists(bare.resolve("conveyor-spool.jsonl"))).isFalse();
    }
  }

  @Test
  void theNextPushStartsWhatWasSpooledBeforeItsOwnStart() throws Exception {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    int port = TemporalTestServer.freePort();
    installBilling(bare, TemporalTestServer.address(port));
    String first = Git.ok(clone, "rev-parse", "HEAD").trim();
    Git.ok(clone, "push", "origin", "main");

    try (TemporalTestServer later = TemporalTestServer.start(port)) {
      String second = Git.commit(clone, "second");
      String push = Git.ok(clone, "push", "origin", "main");

      assertThat(push)
          .contains("remote: conveyor: spooled -> " + deployId("qa", first) + " started")
          .contains("refs/heads/main -> " + deployId("qa", second) + " started");
      assertThat(push.indexOf(deployId("qa", first)))
          .isLessThan(push.indexOf(deployId("qa", second)));
      assertThat(later.exists(deployId("qa", first))).isTrue();
      assertThat(Files.exists(bare.resolve("conveyor-spool.jsonl"))).isFalse();
    }
  }

  @Test
  void flushWhileTemporalIsDownKeepsTheSpoolAndExitsTwo() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    installBilling(bare, TemporalTestServer.address(TemporalTestServer.freePort()));
    Git.ok(clone, "push", "origin", "main");

    ConveyorCliTests.Run flush = ConveyorCliTests.cli("hook", "flush", "--repo", bare.toString());

    assertThat(flush.exitCode()).isEqualTo(2);
    assertThat(flush.err()).contains("cannot reach Temporal");
    assertThat(Files.readAllLines(bare.resolve("conveyor-spool.jsonl"))).hasSize(1);
  }

  @Test
  void aRepositoryMappedToAStackStartsOneReleaseOfTheStackPerPush() throws IOException {
    Path bare = Git.bareWithClone(dir, "payments");
    Path clone = Git.cloneOf(bare);
    ConveyorCliTests.Run run =
        install(bare, temporal.address(), "--stack", "payments", "--branch", "main=qa");
    assertThat(run.exitCode()).as(run.err()).isZero();
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();

    String push = Git.ok(clone, "push", "origin", "main");

    String id = WorkflowIds.release("qa", "payments", "push-" + commit.substring(0, 12));
    assertThat(push).contains("remote: conveyor: refs/heads/main -> " + id + " started");
    WorkflowExecutionDescription description = temporal.describe(id).orElseThrow();
    assertThat(description.getWorkflowType()).isEqualTo("StackReleaseWorkflow");
    assertThat(description.getTaskQueue()).isEqualTo(TaskQueues.CONTROL);
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.STACK))
        .isEqualTo("payments");
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.ENV)).isEqualTo("qa");
  }

  @Test
  void installWithAnUnknownStackNamesIt() throws IOException {
    Path bare = Git.bareWithClone(dir, "payments");

    ConveyorCliTests.Run run =
        install(bare, temporal.address(), "--stack", "shipping", "--branch", "main=qa");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--stack shipping is not in").contains("(stacks: payments)");
    assertThat(Files.exists(bare.resolve("hooks/post-receive"))).isFalse();
  }

  @Test
  void installWithAnUnknownServiceOrEnvironmentNamesEveryProblem() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");

    ConveyorCliTests.Run run =
        install(
            bare,
            temporal.address(),
            "--service",
            "biling",
            "--branch",
            "main=qa",
            "--branch",
            "release/*=staging");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("--service biling is not in")
        .contains("(services: accounts, billing, web)")
        .contains("--branch release/*=staging: environment staging is not in")
        .contains("(environments: qa, prod)");
    assertThat(Files.exists(bare.resolve("hooks/post-receive"))).isFalse();
  }

  @Test
  void installIntoSomethingThatIsNotARepositoryIsAUsageError() {
    ConveyorCliTests.Run run = installBillingExpectingFailure(dir.resolve("nowhere.git"));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("nowhere.git: does not exist");
  }

  private static ConveyorCliTests.Run installBillingExpectingFailure(Path bare) {
    return install(bare, temporal.address(), "--service", "billing", "--branch", "main=qa");
  }

  @Test
  void whenTheCliCannotRunThePushSucceedsAndItsRefsStartWithTheNextFlush() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    installBilling(bare, temporal.address());
    Path hook = bare.resolve("hooks/post-receive");
    String installed = Files.readString(hook);
    // As if the JDK had moved away since the install.
    Files.writeString(
        hook, installed.replace(System.getProperty("java.home"), dir.resolve("gone").toString()));
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();

    Git.Result push = Git.run(clone, "push", "origin", "main");

    assertThat(push.exitCode()).as(push.output()).isZero();
    assertThat(push.output())
        .contains("remote: conveyor: the hook could not run the Conveyor CLI")
        .contains("conveyor-spool.refs");
    assertThat(Files.readString(bare.resolve("conveyor-spool.refs")))
        .endsWith(" " + commit + " refs/heads/main\n");
    assertThat(temporal.exists(deployId("qa", commit))).isFalse();

    Files.writeString(hook, installed);
    ConveyorCliTests.Run flush = ConveyorCliTests.cli("hook", "flush", "--repo", bare.toString());

    assertThat(flush.exitCode()).as(flush.err()).isZero();
    assertThat(flush.out())
        .contains("conveyor: took 1 ref saved by an earlier push")
        .contains("conveyor: spooled -> " + deployId("qa", commit) + " started");
    assertThat(Files.exists(bare.resolve("conveyor-spool.refs"))).isFalse();
    assertThat(temporal.input(deployId("qa", commit)).commit()).isEqualTo(commit);
  }

  @Test
  void refsSavedWhenTheCliCouldNotRunStartWithTheNextPush() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    installBilling(bare, temporal.address());
    Path hook = bare.resolve("hooks/post-receive");
    String installed = Files.readString(hook);
    Files.writeString(
        hook, installed.replace(System.getProperty("java.home"), dir.resolve("gone").toString()));
    String first = Git.ok(clone, "rev-parse", "HEAD").trim();
    Git.ok(clone, "push", "origin", "main");
    Files.writeString(hook, installed);
    String second = Git.commit(clone, "second");

    String push = Git.ok(clone, "push", "origin", "main");

    assertThat(push)
        .contains("remote: conveyor: took 1 ref saved by an earlier push")
        .contains("remote: conveyor: spooled -> " + deployId("qa", first) + " started")
        .contains("refs/heads/main -> " + deployId("qa", second) + " started");
    assertThat(Files.exists(bare.resolve("conveyor-spool.refs"))).isFalse();
  }

  @Test
  void installingAgainWithOtherRulesReplacesThemAndSaysInstalled() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    installBilling(bare, temporal.address());

    ConveyorCliTests.Run again =
        install(bare, temporal.address(), "--service", "billing", "--branch", "trunk=prod");

    assertThat(again.out()).startsWith("installed ");
    assertThat(Git.ok(bare, "config", "--get-all", "conveyor.branch")).isEqualTo("trunk=prod\n");
  }

  @Test
  void theHookGoesWhereCoreHooksPathSays() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    Git.ok(bare, "config", "core.hooksPath", "custom-hooks");

    installBilling(bare, temporal.address());
    String commit = Git.ok(clone, "rev-parse", "HEAD").trim();
    String push = Git.ok(clone, "push", "origin", "main");

    assertThat(bare.resolve("custom-hooks/post-receive")).isExecutable();
    assertThat(bare.resolve("hooks/post-receive")).doesNotExist();
    assertThat(push).contains("refs/heads/main -> " + deployId("qa", commit) + " started");
  }
}
