package dev.conveyor.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a program to its end with a deadline and returns what it printed. */
record Shell(List<String> words, Path dir) {
  static Shell of(Path dir, String... words) {
    return new Shell(List.of(words), dir);
  }

  /** The exit code and both outputs (stderr after stdout). */
  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  Result run(Duration deadline) {
    try {
      Process process =
          new ProcessBuilder(words)
              .directory(dir == null ? null : dir.toFile())
              .redirectErrorStream(true)
              .start();
      process.getOutputStream().close();
      CompletableFuture<String> output =
          CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
      if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(124, "timed out after " + deadline.toSeconds() + "s: " + words);
      }
      return new Result(process.exitValue(), output.get(5, TimeUnit.SECONDS));
    } catch (IOException e) {
      return new Result(127, words.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return new Result(1, String.valueOf(e.getMessage()));
    }
  }

  /** Runs it and fails with its output when it does not exit 0. */
  String check(Duration deadline) {
    Result result = run(deadline);
    if (!result.ok()) {
      throw new DemoException(
          String.join(" ", words)
              + " failed ("
              + result.exitCode()
              + "): "
              + result.output().strip());
    }
    return result.output();
  }

  private static String read(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
