package dev.conveyor.worker.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A Java process started from this test JVM's classpath (the worker's test classpath: main classes,
 * every dependency, the test-jar), with its stdout and stderr captured line by line into memory and
 * a log file. {@link #kill} is SIGKILL ({@link Process#destroyForcibly()} on Linux): no shutdown
 * hook, no finally block, no graceful goodbye to Temporal.
 */
public final class ChildJvm implements AutoCloseable {
  /** JVM flags that start a short-lived child quickly on a small machine. */
  public static final List<String> QUICK_START_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m", "-Xss512k");

  private final String name;
  private final Process process;
  private final Instant startedAt;
  private final Path logFile;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private volatile Instant killedAt;

  private ChildJvm(String name, Process process, Instant startedAt, Path logFile) {
    this.name = name;
    this.process = process;
    this.startedAt = startedAt;
    this.logFile = logFile;
    this.reader = new Thread(this::readOutput, name + "-output");
    this.reader.setDaemon(true);
    this.reader.start();
  }

  /**
   * Starts {@code java <flags> -cp <this classpath> mainClass args…} with {@code env} added to this
   * process's environment; output goes to {@code logFile} too.
   */
  public static ChildJvm start(
      String name,
      String mainClass,
      List<String> args,
      Map<String, String> env,
      Path workDir,
      Path logFile) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(QUICK_START_FLAGS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    try {
      Files.createDirectories(logFile.getParent());
      Instant startedAt = Instant.now();
      Process process = builder.start();
      process.getOutputStream().close();
      return new ChildJvm(name, process, startedAt, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** When {@link #kill} sent SIGKILL, or null. */
  public Instant killedAt() {
    return killedAt;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return logFile;
  }

  /** Every output line so far. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** Calls {@code listener} with every line from now on (and none of the earlier ones). */
  public void onLine(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Waits for an output line that passes {@code test}; fails with the output when none came. */
  public String awaitLine(Predicate<String> test, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : lines) {
        if (test.test(line)) {
          return line;
        }
      }
      if (!process.isAlive()) {
        reader.join(2000);
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + " before the expected line:\n" + tail());
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(
        name + " did not print the expected line within " + timeout + ":\n" + tail());
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() {
    killedAt = Instant.now();
    process.destroyForcibly();
    waitGone(Duration.ofSeconds(20));
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it takes longer than 15 s. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      if (!waitGone(Duration.ofSeconds(15))) {
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(10));
      }
    }
    try {
      reader.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last 60 output lines, for failure messages. */
  public String tail() {
    List<String> all = lines();
    return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
  }

  private boolean waitGone(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void readOutput() {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer log =
            Files.newBufferedWriter(
                logFile,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        log.write(line);
        log.write('\n');
        log.flush();
        for (Consumer<String> listener : listeners) {
          listener.accept(line);
        }
      }
    } catch (IOException e) {
      // the process is gone: its output ends here
    }
  }
}
