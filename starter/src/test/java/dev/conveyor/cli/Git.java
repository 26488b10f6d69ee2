package dev.conveyor.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The git CLI, as a user runs it: bare repositories, clones, commits and pushes. */
public final class Git {
  /** What git exited with and printed. */
  public record Result(int exitCode, String output) {}

  private Git() {}

  /**
   * Runs git in {@code dir}; stdout and stderr together (a push's "remote:" lines are on stderr).
   */
  public static Result run(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.add("-c");
    command.add("user.name=Conveyor Test");
    command.add("-c");
    command.add("user.email=test@conveyor.invalid");
    command.add("-c");
    command.add("init.defaultBranch=main");
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("GIT_"));
    env.put("GIT_TERMINAL_PROMPT", "0");
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("git " + String.join(" ", args) + " hung");
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs git and fails the test when git fails; returns its output. */
  public static String ok(Path dir, String... args) {
    Result result = run(dir, args);
    if (result.exitCode() != 0) {
      throw new AssertionError("git " + String.join(" ", args) + " failed:\n" + result.output());
    }
    return result.output();
  }

  /** A bare repository {@code name} under {@code dir} and a clone of it with one commit on main. */
  public static Path bareWithClone(Path dir, String name) throws IOException {
    Path bare = dir.resolve(name + ".git");
    ok(dir, "init", "--bare", "--quiet", bare.toString());
    Path clone = dir.resolve(name);
    ok(dir, "clone", "--quiet", bare.toString(), clone.toString());
    commit(clone, "first");
    return bare;
  }

  /** The clone {@link #bareWithClone} made beside {@code bare}. */
  public static Path cloneOf(Path bare) {
    String name = bare.getFileName().toString().replace(".git", "");
    return bare.resolveSibling(name);
  }

  /**
   * Commits a change and returns the new commit id; the content is unique, so two tests never make
   * the same commit (and so the same workflow id).
   */
  public static String commit(Path clone, String message) throws IOException {
    Files.writeString(
        clone.resolve("file.txt"),
        message + " " + java.util.UUID.randomUUID() + "\n",
        StandardCharsets.UTF_8);
    ok(clone, "add", "file.txt");
    ok(clone, "commit", "--quiet", "-m", message);
    return ok(clone, "rev-parse", "HEAD").trim();
  }
}
