package dev.conveyor.cli.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The embedded defaults the demo runs on, each its own child process that the demo stops at the
 * end: a Temporal dev server (the {@code temporal} CLI's when it is installed, so the UI shows the
 * demo and its database survives a restart; otherwise the worker's in-memory test server), one
 * worker serving both task queues with the file KV and the local Docker target, and a registry when
 * none answers on 127.0.0.1:5000 and Debian's docker-registry is installed (else the demo runs in
 * local-image mode, without one).
 */
final class DemoServices implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(120);

  private final List<Process> started = new ArrayList<>();
  private final PrintWriter out;
  private final String searchPath;
  private final BooleanSupplier registryAnswers;
  private String temporalTarget;
  private String ui;

  DemoServices(PrintWriter out) {
    this(out, System.getenv().getOrDefault("PATH", ""));
  }

  DemoServices(PrintWriter out, String searchPath) {
    this(out, searchPath, Prerequisites::registryAnswers);
  }

  /**
   * @param searchPath where to look for the {@code temporal} CLI and {@code docker-registry}, as in
   *     {@code PATH}
   * @param registryAnswers whether a registry answers on {@link Prerequisites#REGISTRY}
   */
  DemoServices(PrintWriter out, String searchPath, BooleanSupplier registryAnswers) {
    this.out = out;
    this.searchPath = searchPath;
    this.registryAnswers = registryAnswers;
  }

  String temporalTarget() {
    return temporalTarget;
  }

  /** The Temporal UI's address, or empty with the in-memory server. */
  Optional<String> ui() {
    return Optional.ofNullable(ui);
  }

  /**
   * Uses the registry on 127.0.0.1:5000, or starts Debian's docker-registry, or else settles for
   * local-image mode, and says which.
   *
   * @param forceLocal local-image mode whatever runs ({@code --registry local})
   * @return whether the demo runs in local-image mode (its environment gets {@code registry:
   *     local})
   */
  boolean startRegistryIfNeeded(Path dir, boolean forceLocal) {
    if (forceLocal) {
      out.println(
          "  registry      none: local-image mode (--registry local): images are built into the"
              + " Docker engine and run from there; push is skipped");
      return true;
    }
    if (registryAnswers.getAsBoolean()) {
      out.println("  registry      " + Prerequisites.REGISTRY + " (already running)");
      return false;
    }
    Optional<Path> binary = onPath("docker-registry");
    if (binary.isEmpty()) {
      out.println(
          "  registry      none: local-image mode. No registry answers on "
              + Prerequisites.REGISTRY
              + " and Debian's docker-registry is not installed, so images are built into the"
              + " Docker engine and run from there; push is skipped. For the registry path:"
              + " sudo apt-get install -y docker-registry (or run scripts/start-services.sh)");
      return true;
    }
    startRegistry(dir, binary.get());
    return false;
  }

  private void startRegistry(Path dir, Path binary) {
    Path config = dir.resolve("registry.yml");
    write(
        config,
        """
        version: 0.1
        log: { level: warn }
        storage:
          filesystem: { rootdirectory: %s }
          delete: { enabled: true }
        http: { addr: %s }
        """
            .formatted(dir.resolve("registry-storage"), Prerequisites.REGISTRY));
    start(List.of(binary.toString(), "serve", config.toString()), dir.resolve("registry.log"));
    waitFor("the registry", registryAnswers, dir.resolve("registry.log"));
    out.println("  registry      " + Prerequisites.REGISTRY + " (started, storage in " + dir + ")");
  }

  void startTemporalAndWorker(Path dir, Path workerJar) {
    int port = freePort();
    temporalTarget = "127.0.0.1:" + port;
    List<String> worker = new ArrayList<>();
    worker.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    worker.addAll(List.of("-jar", workerJar.toString()));
    Optional<Path> temporalCli = onPath("temporal");
    if (temporalCli.isPresent()) {
      int uiPort = freePort();
      start(
          List.of(
              temporalCli.get().toString(),
              "server",
              "start-dev",
              "--ip",
              "127.0.0.1",
              "--port",
              String.valueOf(port),
              "--ui-port",
              String.valueOf(uiPort),
              "--db-filename",
              dir.resolve("temporal.db").toString()),
          dir.resolve("temporal.log"));
      ui = "http://127.0.0.1:" + uiPort;
      waitFor("Temporal", () -> portOpen(port), dir.resolve("temporal.log"));
      out.println(
          "  temporal      " + temporalTarget + " (temporal CLI dev server, UI " + ui + ")");
    } else {
      worker.addAll(List.of("--dev", "--conveyor.worker.dev-port=" + port));
      out.println(
          "  temporal      "
              + temporalTarget
              + " (in-memory test server inside the worker; install the temporal CLI for the UI)");
    }
    if (temporalCli.isPresent()) {
      worker.add("--spring.temporal.connection.target=" + temporalTarget);
    }
    worker.addAll(
        List.of("--conveyor.worker.data-dir=" + dir.resolve("worker"), "--server.port=0"));
    Path log = dir.resolve("worker.log");
    start(worker, log);
    waitFor("the worker", () -> contains(log, "connected to Temporal"), log);
    out.println("  worker        serving conveyor-control and conveyor-build (log: " + log + ")");
  }

  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      Process process = started.get(i);
      process.destroy();
      try {
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    started.clear();
  }

  private void start(List<String> command, Path log) {
    try {
      Files.createDirectories(log.getParent());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      process.getOutputStream().close();
      started.add(process);
    } catch (IOException e) {
      throw new DemoException("cannot start " + command.get(0) + ": " + e.getMessage(), 2);
    }
  }

  private void waitFor(String what, BooleanSupplier ready, Path log) {
    long deadline = System.nanoTime() + READY.toNanos();
    while (!ready.getAsBoolean()) {
      Process last = started.get(started.size() - 1);
      if (!last.isAlive() || System.nanoTime() > deadline) {
        throw new DemoException(
            what
                + (last.isAlive() ? " did not get ready in " + READY.toSeconds() + "s" : " stopped")
                + "; its log ("
                + log
                + ") ends with:\n"
                + tail(log, 15),
            2);
      }
      sleep(200);
    }
  }

  static boolean contains(Path file, String text) {
    try {
      return Files.exists(file) && Files.readString(file).contains(text);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static boolean portOpen(int port) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Optional<Path> onPath(String program) {
    for (String dir : searchPath.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Optional.of(Path.of(dir, program));
      }
    }
    return Optional.empty();
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DemoException("interrupted");
    }
  }
}
