package dev.conveyor.cli.trigger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conveyor.cli.StartOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Starts that could not reach Temporal, kept in a file (one JSON {@link PendingStart} per line) so
 * that a push is never lost: the next hook run, {@code conveyor hook flush} or the webhook server's
 * retry starts them.
 *
 * <p>Every read-modify-write holds an exclusive lock on {@code <file>.lock}, so hook runs of
 * concurrent pushes and a flush never lose or repeat a line. A flush removes an entry once its
 * start succeeded or the workflow already existed; if the process dies between the start and the
 * rewrite, the next flush finds the workflow by its id ("already running") and starts nothing new.
 */
final class Spool {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a flush did: the outcomes of the starts it made, and the entries still spooled. */
  record FlushResult(List<StartOutcome> started, List<Kept> kept) {}

  /** An entry that stays in the spool, and why. */
  record Kept(PendingStart start, String reason) {}

  private final Path file;
  private final Path lock;

  Spool(Path file) {
    this.file = file;
    this.lock = file.resolveSibling(file.getFileName() + ".lock");
  }

  Path file() {
    return file;
  }

  /** A cheap check without the lock: a hook with nothing to start skips Temporal when empty. */
  boolean isEmpty() {
    try {
      return !Files.exists(file) || Files.size(file) == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Appends the starts, durably (fsync) before returning. */
  synchronized void add(List<PendingStart> starts) {
    if (starts.isEmpty()) {
      return;
    }
    try (FileChannel ignored = lock()) {
      append(starts);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the spool " + file, e);
    }
  }

  /**
   * Takes the ref lines in {@code saved} (left by the hook script when the CLI could not run),
   * turns them into starts with {@code route} and appends those, under the lock; then removes the
   * file. Returns the lines taken. A crash before the removal takes them again later, which the
   * workflow ids make harmless.
   */
  synchronized List<String> absorb(Path saved, Function<List<String>, List<PendingStart>> route) {
    Path taken = saved.resolveSibling(saved.getFileName() + ".taken");
    try (FileChannel ignored = lock()) {
      if (Files.exists(saved) && !Files.exists(taken)) {
        Files.move(saved, taken, StandardCopyOption.ATOMIC_MOVE);
      }
      if (!Files.exists(taken)) {
        return List.of();
      }
      List<String> lines = Files.readAllLines(taken, StandardCharsets.UTF_8);
      append(route.apply(lines));
      Files.delete(taken);
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move the saved refs " + saved + " into the spool", e);
    }
  }

  private void append(List<PendingStart> starts) throws IOException {
    if (starts.isEmpty()) {
      return;
    }
    StringBuilder lines = new StringBuilder();
    for (PendingStart start : starts) {
      lines.append(toJson(start)).append('\n');
    }
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      channel.write(StandardCharsets.UTF_8.encode(lines.toString()));
      channel.force(true);
    }
  }

  /** The entries, in the order they were spooled. */
  synchronized List<PendingStart> entries() {
    try (FileChannel ignored = lock()) {
      return read();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the spool " + file, e);
    }
  }

  /**
   * Starts every spooled entry in order through {@code starter} and keeps the ones that did not
   * start. When Temporal turns out to be unreachable the flush stops and keeps the rest untried.
   */
  synchronized FlushResult flush(Function<PendingStart, StartOutcome> starter) {
    if (isEmpty()) {
      return new FlushResult(List.of(), List.of());
    }
    try (FileChannel ignored = lock()) {
      List<PendingStart> entries = read();
      List<StartOutcome> started = new ArrayList<>();
      List<Kept> kept = new ArrayList<>();
      boolean down = false;
      for (PendingStart entry : entries) {
        if (down) {
          kept.add(new Kept(entry, "not tried: Temporal unreachable"));
          continue;
        }
        try {
          started.add(starter.apply(entry));
        } catch (RuntimeException e) {
          down = TriggerStarter.unreachable(e);
          kept.add(new Kept(entry, TriggerStarter.reason(e)));
        }
      }
      rewrite(kept.stream().map(Kept::start).toList());
      return new FlushResult(started, kept);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot flush the spool " + file, e);
    }
  }

  /** Holds the exclusive lock until the returned channel is closed. */
  private FileChannel lock() throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    FileChannel channel =
        FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      channel.lock();
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private List<PendingStart> read() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<PendingStart> entries = new ArrayList<>();
    int number = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      try {
        entries.add(JSON.readValue(line, PendingStart.class));
      } catch (JsonProcessingException e) {
        throw new IOException(
            file + ":" + number + ": not a spooled start (" + e.getOriginalMessage() + ")", e);
      }
    }
    return entries;
  }

  private void rewrite(List<PendingStart> remaining) throws IOException {
    if (remaining.isEmpty()) {
      Files.deleteIfExists(file);
      return;
    }
    StringBuilder lines = new StringBuilder();
    for (PendingStart start : remaining) {
      lines.append(toJson(start)).append('\n');
    }
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(StandardCharsets.UTF_8.encode(lines.toString()));
      channel.force(true);
    }
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String toJson(PendingStart start) {
    try {
      return JSON.writeValueAsString(start);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + start + " as JSON", e);
    }
  }
}
