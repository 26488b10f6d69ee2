package dev.conveyor.cli.trigger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The webhook deliveries already handled, so that a redelivery starts nothing: kept in memory (the
 * most recent {@code capacity}) and appended to a file, one key per line, so a restart remembers.
 *
 * <p>A request claims its keys before it starts anything; a second request with any of those keys
 * (a redelivery arriving while the first is still being handled, or later) is refused. Keys are
 * recorded once the request was handled, and released when it failed so the sender's retry counts.
 */
final class Deliveries {
  private final Path file;
  private final int capacity;
  private final LinkedHashSet<String> seen = new LinkedHashSet<>();
  private final Set<String> inFlight = new HashSet<>();

  /** Loads the keys recorded in {@code file} and keeps at most {@code capacity} of them. */
  Deliveries(Path file, int capacity) {
    this.file = file;
    this.capacity = capacity;
    try {
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            remember(line.trim());
          }
        }
        compact();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the delivery log " + file, e);
    }
  }

  /** True, and the keys are now in flight, when none of them was seen or is in flight. */
  synchronized boolean claim(Collection<String> keys) {
    for (String key : keys) {
      if (seen.contains(key) || inFlight.contains(key)) {
        return false;
      }
    }
    inFlight.addAll(keys);
    return true;
  }

  /** Records the claimed keys as handled, durably. */
  synchronized void complete(Collection<String> keys) {
    inFlight.removeAll(keys);
    StringBuilder lines = new StringBuilder();
    for (String key : keys) {
      remember(key);
      lines.append(key).append('\n');
    }
    try {
      Files.writeString(
          file,
          lines,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.WRITE,
          StandardOpenOption.SYNC);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record deliveries in " + file, e);
    }
  }

  /** Forgets claimed keys of a request that was not handled, so a retry is accepted. */
  synchronized void release(Collection<String> keys) {
    inFlight.removeAll(keys);
  }

  private void remember(String key) {
    seen.remove(key);
    seen.add(key);
    Iterator<String> oldest = seen.iterator();
    while (seen.size() > capacity && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  /** Rewrites the log with the kept keys only, so it does not grow without bound. */
  private void compact() throws IOException {
    List<String> kept = new ArrayList<>(seen);
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(temp, kept, StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
