package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests;
import dev.conveyor.cli.Git;
import dev.conveyor.cli.TemporalTestServer;
import dev.conveyor.cli.Workflows;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the post-receive hook (git's {@code <old> <new> <ref>} lines, its settings) and to
 * {@code hook install}: each is named, the push is never refused, and nothing starts, nothing is
 * spooled and no hook is written. Listed in docs/bad-inputs.md.
 */
class HookBadInputTests {
  private static final String OLD = "1".repeat(40);
  private static final String NEW = "2".repeat(40);

  static TemporalTestServer temporal;

  @TempDir Path dir;
  private long workflowsBefore;

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

  @BeforeEach
  void countWorkflows() {
    workflowsBefore = Workflows.count(temporal);
  }

  @AfterEach
  void nothingWasStarted() {
    assertThat(Workflows.count(temporal)).as("workflows on the server").isEqualTo(workflowsBefore);
  }

  private String runHook(Path bare, List<String> lines) {
    StringWriter out = new StringWriter();
    GitRepo repo = GitRepo.at(bare);
    new HookRunner(repo, HookConfig.read(repo), new PrintWriter(out, true)).run(lines, "hook:test");
    return out.toString();
  }

  @Test
  void malformedRefLinesAreNamedAndIgnoredAndNothingIsSpooled() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");
    HookTests.installBilling(bare, temporal.address());

    String out =
        runHook(
            bare,
            List.of(
                "main " + NEW + " refs/heads/main",
                OLD + " " + NEW,
                OLD + " " + NEW + " refs/heads/main extra words"));

    assertThat(out)
        .contains("conveyor: ignored: ")
        .contains("is not '<old-id> <new-id> <ref>'")
        .doesNotContain(" started");
    assertThat(out.lines().filter(l -> l.contains("ignored")).count()).isEqualTo(3);
    assertThat(GitRepo.at(bare).spool().isEmpty()).isTrue();
  }

  @Test
  void theHookInARepositoryWithoutHookSettingsExitsTwoAndNamesWhatIsMissing() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");

    ConveyorCliTests.Run run = ConveyorCliTests.cli("hook", "run", "--repo", bare.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("conveyor: ").contains(bare.getFileName().toString());
    assertThat(Files.exists(bare.resolve("conveyor-spool.jsonl"))).isFalse();
  }

  @Test
  void aBranchRuleWithoutAnEnvironmentIsRefusedAtInstallAndNoHookIsWritten() throws IOException {
    Path bare = Git.bareWithClone(dir, "billing");

    ConveyorCliTests.Run run =
        HookTests.install(
            bare,
            temporal.address(),
            "--service",
            "billing",
            "--branch",
            "main",
            "--branch",
            "=qa");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'main', '=qa' are not BRANCH=ENV");
    assertThat(bare.resolve("hooks/post-receive")).doesNotExist();
    assertThat(Git.run(bare, "config", "--local", "--list").output())
        .as("no hook settings written")
        .doesNotContain("conveyor");
  }
}
