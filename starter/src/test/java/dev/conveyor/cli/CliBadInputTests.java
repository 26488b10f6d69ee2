package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad command-line input, each with a Temporal server that answers: exit code 2, a message that
 * names the argument and what to pass, and nothing started (the server holds exactly the workflows
 * it held before) and no file written. Listed in docs/bad-inputs.md.
 */
class CliBadInputTests {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String DEFINITIONS =
      ConveyorCliTests.ROOT.resolve("examples/definitions").toString();

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
    workflowsBefore = workflows();
  }

  @AfterEach
  void nothingWasStarted() {
    assertThat(workflows()).as("workflows on the server").isEqualTo(workflowsBefore);
  }

  private static long workflows() {
    return Workflows.count(temporal);
  }

  private static Run deploy(String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "deploy",
                "--service",
                "billing",
                "--env",
                "qa",
                "--definitions",
                DEFINITIONS,
                "--temporal",
                temporal.address()));
    args.addAll(List.of(more));
    return cli(args.toArray(String[]::new));
  }

  @Test
  void anUnknownSubcommandSuggestsTheNearestOne() {
    Run run = cli("deplyo", "--service", "billing");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("Unmatched arguments from index 0: 'deplyo'")
        .contains("Did you mean: conveyor deploy");
  }

  @Test
  void aDeployWithoutServiceOrJobNamesBothOptions() {
    Run run = cli("deploy", "--env", "qa", "--commit", COMMIT, "--temporal", temporal.address());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("pass exactly one of --service (a service) and --job");
  }

  @Test
  void aBranchNameInsteadOfACommitIdIsRefused() {
    Run run = deploy("--commit", "main");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--commit 'main' is not a commit id");
  }

  @Test
  void definitionsThatDoNotExistAreNamed() {
    Run run =
        cli(
            "deploy",
            "--service",
            "billing",
            "--env",
            "qa",
            "--commit",
            COMMIT,
            "--definitions",
            dir.resolve("nowhere").toString(),
            "--temporal",
            temporal.address());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("--definitions " + dir.resolve("nowhere"))
        .contains("does not exist; pass the config repo that holds conveyor.yaml");
  }

  @Test
  void aTemporalAddressWithoutAPortIsOneLineNotAStackTrace() {
    Run run =
        cli(
            "deploy",
            "--service",
            "billing",
            "--env",
            "qa",
            "--commit",
            COMMIT,
            "--definitions",
            DEFINITIONS,
            "--temporal",
            "temporal-without-port");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err().strip())
        .isEqualTo(
            "conveyor: --temporal 'temporal-without-port' is not HOST:PORT (e.g. 127.0.0.1:7233"
                + " or temporal.example.com:7233)");
  }

  @Test
  void aReleaseCommitThatIsNotServiceEqualsCommitIsRefused() {
    Run run =
        cli(
            "release",
            "--stack",
            "payments",
            "--env",
            "qa",
            "--definitions",
            DEFINITIONS,
            "--commit",
            "billing",
            "--temporal",
            temporal.address());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--commit 'billing' is not SERVICE=COMMIT");
  }

  @Test
  void aRollbackWithoutAReasonIsRefused() {
    Run run =
        cli(
            "rollback",
            "--service",
            "billing",
            "--env",
            "qa",
            "--definitions",
            DEFINITIONS,
            "--temporal",
            temporal.address());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Missing required option: '--reason=<reason>'");
  }

  @Test
  void aPromotionApprovalTimeoutThatIsNotADurationIsRefused() {
    Run run =
        cli(
            "promote",
            "--stack",
            "payments",
            "--from",
            "qa",
            "--to",
            "prod",
            "--definitions",
            DEFINITIONS,
            "--approval-timeout",
            "soon",
            "--temporal",
            temporal.address());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--approval-timeout 'soon' is not a duration");
  }

  @Test
  void anUnknownDemoRegistryModeIsRefusedBeforeTheDemoDirIsMade() {
    Path demo = dir.resolve("demo");

    Run run = cli("demo", "--registry", "none", "--dir", demo.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains(
            "Invalid value for option '--registry': expected one of [auto, local]"
                + " (case-sensitive) but was 'none'");
    assertThat(demo).doesNotExist();
  }

  @Test
  void aHookInstallWithABadTemporalAddressWritesNoHook() throws IOException {
    Path repo = dir.resolve("billing.git");
    Git.ok(dir, "init", "-q", "--bare", repo.toString());
    List<Path> hooksBefore = files(repo.resolve("hooks"));

    Run run =
        cli(
            "hook",
            "install",
            "--repo",
            repo.toString(),
            "--service",
            "billing",
            "--branch",
            "main=qa",
            "--definitions",
            DEFINITIONS,
            "--temporal",
            "127.0.0.1:70000");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--temporal '127.0.0.1:70000' is not HOST:PORT");
    assertThat(files(repo.resolve("hooks"))).isEqualTo(hooksBefore);
    assertThat(repo.resolve("hooks/post-receive")).doesNotExist();
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths.sorted().toList();
    }
  }
}
