package dev.conveyor.activities.gitops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code git} command line, to set up repositories and to check what JGit wrote. Runs with an
 * isolated {@code HOME} and no system config, so the machine's Git settings cannot change results.
 */
public final class GitCli {
  private static final long TIMEOUT_SECONDS = 60;

  private final Path home;

  private GitCli(Path home) {
    this.home = home;
  }

  /** A git CLI whose {@code HOME} is {@code home} (created if missing). */
  public static GitCli isolatedIn(Path home) {
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new GitCli(home);
  }

  /** What one command did. */
  public record Result(int exitCode, String out, String err) {}

  /** Runs {@code git args} in {@code dir}; fails the test unless it exits 0. Returns stdout. */
  public String run(Path dir, String... args) {
    Result result = exec(dir, null, args);
    if (result.exitCode() != 0) {
      throw new AssertionError(
          "git "
              + String.join(" ", args)
              + " in "
              + dir
              + " exited "
              + result.exitCode()
              + ":\n"
              + result.err()
              + result.out());
    }
    return result.out();
  }

  /** {@link #run} with its output trimmed (for ids and one-line answers). */
  public String line(Path dir, String... args) {
    return run(dir, args).strip();
  }

  /** Runs {@code git args} in {@code dir} with {@code stdin} (may be null) and any exit code. */
  public Result exec(Path dir, String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> env = builder.environment();
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_AUTHOR_NAME", "Test Operator");
    env.put("GIT_AUTHOR_EMAIL", "operator@example.test");
    env.put("GIT_COMMITTER_NAME", "Test Operator");
    env.put("GIT_COMMITTER_EMAIL", "operator@example.test");
    env.put("LC_ALL", "C");
    try {
      Process process = builder.start();
      CompletableFuture<String> out = drain(process.getInputStream());
      CompletableFuture<String> err = drain(process.getErrorStream());
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("git " + String.join(" ", args) + " did not finish in time");
      }
      return new Result(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            stream.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
