package dev.conveyor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CLI smoke tests; also the helpers other CLI tests (in sub-packages too) run the CLI with. */
public class ConveyorCliTests {
  /** The repository root. */
  public static final Path ROOT =
      Path.of(System.getProperty("conveyor.root.dir", "..")).toAbsolutePath().normalize();

  /** The example definitions directory. */
  public static final Path DEFINITIONS = ROOT.resolve("examples/definitions");

  /** What one CLI run did: its exit code and what it printed. */
  public record Run(int exitCode, String out, String err) {}

  /** Runs the CLI in this JVM and captures its output. */
  public static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConveyorCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void validatePrintsASummaryForTheExampleDefinitions() {
    Run run = cli("validate", ROOT.resolve("examples/definitions").toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("OK: 3 services, 1 stacks, 2 environments\n");
  }

  @Test
  void validatePrintsTheCyclePathAndExitsOne() {
    Run run = cli("validate", ROOT.resolve("examples/definitions-cycle").toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out())
        .containsPattern("conveyor\\.yaml:\\d+:\\d+: .*accounts -> billing -> web -> accounts");
  }

  @Test
  void validateOfAMissingPathIsAUsageError(@TempDir Path dir) {
    Run run = cli("validate", dir.resolve("nowhere").toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("does not exist").contains("conveyor.yaml");
  }

  @Test
  void validateOfAFileIsAUsageError(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("conveyor.yaml"), "version: 1\n");

    Run run = cli("validate", file.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is not a directory");
  }

  @Test
  void validateWithoutAPathSaysWhatToPass() {
    Run run = cli("validate");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Missing required parameter: 'PATH'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "validate",
        "deploy",
        "status",
        "hook",
        "hook install",
        "hook run",
        "hook flush",
        "webhook",
        "webhook serve",
        "release",
        "promote",
        "approve",
        "reject",
        "rollback",
        "list",
        "history"
      })
  void everyVerbHasHelp(String verb) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(verb.split(" ")));
    args.add("--help");

    Run run = cli(args.toArray(String[]::new));

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("Usage: conveyor " + verb);
  }

  @Test
  void deployWhenTemporalIsUnreachableExitsTwoNamingTheAddress() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Run run =
        cli(
            "deploy",
            "--service",
            "billing",
            "--env",
            "qa",
            "--commit",
            "0123456789abcdef0123456789abcdef01234567",
            "--definitions",
            ROOT.resolve("examples/definitions").toString(),
            "--temporal",
            "127.0.0.1:" + port);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("cannot reach Temporal at 127.0.0.1:" + port)
        .contains("./conveyor worker --dev");
  }

  @Test
  void deployRejectsSomethingThatIsNotACommitId() {
    Run run = cli("deploy", "--service", "billing", "--env", "qa", "--commit", "main");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--commit 'main' is not a commit id");
  }
}
