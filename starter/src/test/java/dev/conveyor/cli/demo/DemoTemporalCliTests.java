package dev.conveyor.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's {@code temporal server start-dev} path, with no real temporal CLI on this machine: a
 * stand-in {@code temporal} script, first on the search path, checks the arguments the demo gives
 * it and execs Temporal's test server (its own JVM) on the requested port. What this proves: the
 * arguments (loopback address, the port, a UI port, the database file under the demo dir), the wait
 * for the port, the worker pointed at that server, and the server stopped when the demo ends. What
 * it cannot prove: the real CLI's behaviour (its UI, its SQLite file surviving a restart).
 */
class DemoTemporalCliTests {

  @Test
  @Timeout(300)
  void startsTheTemporalCliDevServerWithTheDemosDatabaseAndStopsItAtTheEnd(@TempDir Path dir)
      throws Exception {
    Path root = Path.of(System.getProperty("conveyor.root.dir", "..")).toAbsolutePath().normalize();
    Path workerJar = root.resolve("worker/target/conveyor-worker.jar");
    assertThat(workerJar)
        .as("the worker module is packaged before the starter's tests run")
        .exists();
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path argsFile = dir.resolve("temporal-args");
    writeStandIn(bin.resolve("temporal"), argsFile);
    Path demoDir = Files.createDirectories(dir.resolve("demo"));
    StringWriter out = new StringWriter();

    int port;
    try (DemoServices services =
        new DemoServices(
            new PrintWriter(out, true), bin + ":" + System.getenv().getOrDefault("PATH", ""))) {
      services.startTemporalAndWorker(demoDir, workerJar);

      String target = services.temporalTarget();
      port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
      List<String> args = Files.readAllLines(argsFile);
      assertThat(args)
          .hasSize(10)
          .startsWith("server", "start-dev", "--ip", "127.0.0.1", "--port", String.valueOf(port))
          .endsWith("--db-filename", demoDir.resolve("temporal.db").toString());
      assertThat(args.get(6)).isEqualTo("--ui-port");
      String ui = "http://127.0.0.1:" + args.get(7);
      assertThat(services.ui()).contains(ui);
      assertThat(out.toString())
          .contains("temporal      " + target + " (temporal CLI dev server, UI " + ui + ")");
      assertThat(Files.exists(demoDir.resolve("temporal.db")))
          .as("the stand-in creates the database file where it was told")
          .isTrue();
      assertThat(Files.readString(demoDir.resolve("worker.log")))
          .as("the worker connects to the CLI's server, not to an in-memory one of its own")
          .contains("connected to Temporal at " + target)
          .doesNotContain("in-memory");
      assertThat(listening(port)).isTrue();
    }

    assertThat(listening(port)).as("the demo stops the server it started").isFalse();
  }

  /**
   * A {@code temporal} that accepts exactly what the demo should pass, records it, creates the
   * database file as the CLI does, and then becomes the test server (exec keeps the process the
   * demo started, so stopping it stops the server).
   */
  private static void writeStandIn(Path script, Path argsFile) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    Files.writeString(
        script,
        """
        #!/bin/sh
        # Stand-in for the temporal CLI, written by DemoTemporalCliTests.
        printf '%%s\\n' "$@" > '%s'
        fail() { echo "stand-in temporal: $*" >&2; exit 64; }
        [ "$1" = server ] && [ "$2" = start-dev ] || fail "expected 'server start-dev', got: $*"
        shift 2
        port=""; ui=""; db=""
        while [ $# -gt 0 ]; do
          case "$1" in
            --ip) [ "$2" = 127.0.0.1 ] || fail "--ip must be 127.0.0.1, not $2"; shift 2 ;;
            --port) port="$2"; shift 2 ;;
            --ui-port) ui="$2"; shift 2 ;;
            --db-filename) db="$2"; shift 2 ;;
            *) fail "unexpected argument $1" ;;
          esac
        done
        [ -n "$port" ] && [ -n "$ui" ] && [ -n "$db" ] || fail "--port, --ui-port and --db-filename are required"
        [ "$port" != "$ui" ] || fail "the UI port must differ from the frontend port"
        [ -d "$(dirname "$db")" ] || fail "no directory for $db"
        : > "$db"
        exec '%s' -cp '%s' io.temporal.testserver.TestServer "$port"
        """
            .formatted(argsFile, java, classpath));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
