package dev.conveyor.worker.queues;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker started with a setting it cannot work with stops before it polls anything, with exit
 * code 2 and one line that says what to do: no Temporal server is needed to see it.
 */
class WorkerStartupChecksTests {
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<ChildJvm> children = new ArrayList<>();

  @AfterEach
  void killChildren() throws InterruptedException {
    for (ChildJvm child : children) {
      child.kill();
    }
  }

  @Test
  void buildWorkerWithoutADockerEngineExitsWithOneLine() throws Exception {
    int closed = ChildJvm.freePort();
    ChildJvm worker =
        worker(
            "--conveyor.worker.queues=build",
            "--conveyor.worker.docker.host=tcp://127.0.0.1:" + closed);

    int exit = worker.awaitExit(EXIT_TIMEOUT);

    assertThat(exit).isEqualTo(2);
    assertThat(lastLine(worker))
        .startsWith("conveyor worker: cannot reach the Docker engine at tcp://127.0.0.1:" + closed)
        .contains("--conveyor.worker.queues=control");
    assertThat(worker.output()).doesNotContain("\tat ");
  }

  @Test
  void unknownQueueNameExitsWithOneLine() throws Exception {
    ChildJvm worker = worker("--conveyor.worker.queues=control,bild");

    int exit = worker.awaitExit(EXIT_TIMEOUT);

    assertThat(exit).isEqualTo(2);
    assertThat(lastLine(worker))
        .isEqualTo(
            "conveyor worker: conveyor.worker.queues: unknown queue 'bild'; use build, control"
                + " or build,control");
    assertThat(worker.output()).doesNotContain("\tat ");
  }

  @Test
  void secondWorkerOnAnOccupiedHttpPortExitsWithOneLine() throws Exception {
    try (ServerSocket occupied = new ServerSocket(0)) {
      ChildJvm worker =
          worker("--conveyor.worker.queues=control", "--server.port=" + occupied.getLocalPort());

      int exit = worker.awaitExit(EXIT_TIMEOUT);

      assertThat(exit).isEqualTo(2);
      assertThat(lastLine(worker))
          .startsWith("conveyor worker: port " + occupied.getLocalPort() + " (health and metrics)")
          .contains("--server.port=PORT");
      assertThat(worker.output()).doesNotContain("\tat ");
    }
  }

  private ChildJvm worker(String... args) {
    List<String> arguments = new ArrayList<>(List.of(args));
    if (arguments.stream().noneMatch(a -> a.startsWith("--server.port="))) {
      arguments.add("--server.port=0");
    }
    arguments.add("--conveyor.worker.data-dir=" + dir.resolve("data"));
    // nothing listens here: the checks above must fail before Temporal is contacted
    arguments.add("--spring.temporal.connection.target=127.0.0.1:" + ChildJvm.freePort());
    ChildJvm child =
        ChildJvm.start(
            "worker",
            dir.resolve("worker-" + children.size() + ".log"),
            "dev.conveyor.worker.WorkerApplication",
            arguments);
    children.add(child);
    return child;
  }

  private static String lastLine(ChildJvm child) {
    List<String> lines = child.output().strip().lines().toList();
    return lines.get(lines.size() - 1);
  }
}
