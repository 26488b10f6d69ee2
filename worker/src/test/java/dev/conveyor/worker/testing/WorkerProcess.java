package dev.conveyor.worker.testing;

import dev.conveyor.worker.WorkerApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The worker as its own JVM, started exactly as {@code ./conveyor worker} starts it (the same main
 * class, application.yaml and beans) plus the given properties and environment, connected to a
 * {@link TemporalServerProcess}. Its Temporal identity is {@code <pid>@<host>}, so history events
 * tell which process did what.
 */
public final class WorkerProcess implements AutoCloseable {
  /** The line the worker prints once it reached Temporal and registered its search attributes. */
  public static final String READY = "connected to Temporal at ";

  private final ChildJvm jvm;
  private final Instant readyAt;

  private WorkerProcess(ChildJvm jvm, Instant readyAt) {
    this.jvm = jvm;
    this.readyAt = readyAt;
  }

  /**
   * Starts a worker and waits for its ready line.
   *
   * @param properties extra {@code --name=value} arguments
   * @param env extra environment variables (e.g. secrets by Spring's relaxed binding)
   */
  public static WorkerProcess start(
      String name,
      String temporalTarget,
      Path dataDir,
      Path logDir,
      List<String> properties,
      Map<String, String> env)
      throws InterruptedException {
    List<String> args = new ArrayList<>();
    args.add("--spring.temporal.connection.target=" + temporalTarget);
    args.add("--conveyor.worker.data-dir=" + dataDir);
    // A free port for health and metrics, unless a test asks for one.
    if (properties.stream().noneMatch(p -> p.startsWith("--server.port="))) {
      args.add("--server.port=0");
    }
    args.addAll(properties);
    ChildJvm jvm =
        ChildJvm.start(
            name,
            WorkerApplication.class.getName(),
            args,
            env,
            logDir,
            logDir.resolve(name + ".log"));
    try {
      jvm.awaitLine(line -> line.contains(READY), Duration.ofSeconds(60));
    } catch (RuntimeException | InterruptedException e) {
      jvm.kill();
      throw e;
    }
    return new WorkerProcess(jvm, Instant.now());
  }

  public ChildJvm jvm() {
    return jvm;
  }

  /** The prefix of this process's Temporal identity ({@code <pid>@}). */
  public String identityPrefix() {
    return jvm.pid() + "@";
  }

  public Instant startedAt() {
    return jvm.startedAt();
  }

  /** When the ready line was seen. */
  public Instant readyAt() {
    return readyAt;
  }

  /** SIGKILL. */
  public void kill() {
    jvm.kill();
  }

  /** Graceful stop. */
  @Override
  public void close() {
    jvm.close();
  }
}
