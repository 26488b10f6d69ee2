package dev.conveyor.worker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code git daemon} serving the bare repositories under one directory over {@code git://} on a
 * free loopback port, with anonymous push enabled. Unlike a push to a local path (which JGit
 * applies in-process), a push here runs the real {@code git receive-pack} and the repository's
 * hooks, so tests can make the remote slow ({@code pre-receive} waits) or make another writer win
 * ({@code --access-hook} commits first). Close it to stop the daemon and its children.
 */
public final class GitDaemon implements AutoCloseable {
  private final Path baseDir;
  private final int port;
  private final Process process;

  private GitDaemon(Path baseDir, int port, Process process) {
    this.baseDir = baseDir;
    this.port = port;
    this.process = process;
  }

  /**
   * Serves every repository under {@code baseDir}.
   *
   * @param accessHook an executable run before each service ({@code git daemon --access-hook}):
   *     arguments are the service ({@code upload-pack}, {@code receive-pack}) and the repository
   *     path; null for none
   */
  public static GitDaemon serve(Path baseDir, Path logFile, Path accessHook) {
    int port = RunningWorker.freePort();
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                "git",
                "daemon",
                "--reuseaddr",
                "--listen=127.0.0.1",
                "--port=" + port,
                "--base-path=" + baseDir,
                "--export-all",
                "--enable=receive-pack",
                "--informative-errors"));
    if (accessHook != null) {
      command.add("--access-hook=" + accessHook);
    }
    command.add(baseDir.toString());
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(logFile.toFile())
              .start();
      GitDaemon daemon = new GitDaemon(baseDir, port, process);
      daemon.awaitListening(Duration.ofSeconds(15));
      return daemon;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start git daemon (is git installed?)", e);
    }
  }

  /** {@code git://127.0.0.1:<port>/<name>} for a repository directly under the base dir. */
  public String url(String name) {
    return "git://127.0.0.1:" + port + "/" + name;
  }

  public Path baseDir() {
    return baseDir;
  }

  /** Installs {@code hooks/<name>} in the bare repository {@code repo}, executable. */
  public static void installHook(Path repo, String name, String script) {
    executable(repo.resolve("hooks").resolve(name), script);
  }

  /** Writes {@code script} to {@code file}, executable (e.g. for {@code --access-hook}). */
  public static Path executable(Path file, String script) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, script, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the script " + file, e);
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("git daemon exited with " + process.exitValue());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    close();
    throw new IllegalStateException("git daemon did not listen on port " + port + " in " + timeout);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
