package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A file in git-config syntax, read and written with {@code git config -f FILE}, so that quoting,
 * includes and multi-valued keys behave exactly as git documents them. Used for the hook settings
 * (the {@code [conveyor]} section of a repository's own config) and the webhook server's
 * configuration file.
 */
final class GitConfigFile {
  /** A git subcommand that takes longer than this is stuck (a lock, a prompt). */
  private static final Duration GIT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * One entry, as {@code git config --list} prints it: section and name lower-cased by git, the
   * subsection as written.
   */
  record Entry(String section, String subsection, String name, String value) {}

  private final Path file;

  GitConfigFile(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** Every entry in file order; an absent file has none. */
  List<Entry> entries() {
    if (!Files.exists(file)) {
      return List.of();
    }
    String listing = git("config", "-f", file.toString(), "--null", "--list");
    List<Entry> entries = new ArrayList<>();
    for (String item : listing.split("\0")) {
      if (item.isEmpty()) {
        continue;
      }
      int newline = item.indexOf('\n');
      String key = newline < 0 ? item : item.substring(0, newline);
      String value = newline < 0 ? "true" : item.substring(newline + 1);
      int first = key.indexOf('.');
      int last = key.lastIndexOf('.');
      String section = key.substring(0, first);
      String subsection = first == last ? null : key.substring(first + 1, last);
      entries.add(new Entry(section, subsection, key.substring(last + 1), value));
    }
    return entries;
  }

  /**
   * Replaces the whole {@code [section]} with {@code values} (keys may repeat), so writing the same
   * values twice leaves the file as it was.
   */
  void replaceSection(String section, List<Map.Entry<String, String>> values) {
    if (entries().stream().anyMatch(e -> e.section().equals(section) && e.subsection() == null)) {
      git("config", "-f", file.toString(), "--remove-section", section);
    }
    for (Map.Entry<String, String> value : values) {
      git(
          "config",
          "-f",
          file.toString(),
          "--add",
          section + "." + value.getKey(),
          value.getValue());
    }
  }

  /** Values of {@code section.name} (no subsection), in file order. */
  static List<String> values(List<Entry> entries, String section, String name) {
    String lowerName = name.toLowerCase(Locale.ROOT);
    return entries.stream()
        .filter(e -> e.section().equals(section) && e.subsection() == null)
        .filter(e -> e.name().equals(lowerName))
        .map(Entry::value)
        .toList();
  }

  /**
   * Runs git with the GIT_* variables of the calling hook removed, so that only the named file is
   * read, and returns its standard output.
   */
  static String git(String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(name -> name.startsWith("GIT_"));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new ConveyorCli.EnvironmentException(
          "cannot run git (" + e.getMessage() + "); install git and put it on the PATH");
    }
    try {
      process.getOutputStream().close();
      CompletableFuture<byte[]> out = drain(process.getInputStream());
      CompletableFuture<byte[]> err = drain(process.getErrorStream());
      if (!process.waitFor(GIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new ConveyorCli.EnvironmentException(
            String.join(" ", command) + " did not finish within " + GIT_TIMEOUT.toSeconds() + "s");
      }
      if (process.exitValue() != 0) {
        throw new ConveyorCli.EnvironmentException(
            String.join(" ", command)
                + " failed (exit "
                + process.exitValue()
                + "): "
                + new String(err.join(), StandardCharsets.UTF_8).trim());
      }
      return new String(out.join(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new ConveyorCli.EnvironmentException("interrupted while running git");
    }
  }

  /** Reads the stream to its end on its own thread, so a full pipe never blocks git. */
  private static CompletableFuture<byte[]> drain(InputStream in) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (in) {
                result.complete(in.readAllBytes());
              } catch (IOException e) {
                result.completeExceptionally(e);
              }
            },
            "git-output");
    reader.setDaemon(true);
    reader.start();
    return result;
  }
}
