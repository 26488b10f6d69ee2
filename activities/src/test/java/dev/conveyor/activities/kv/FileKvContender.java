package dev.conveyor.activities.kv;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in a separate JVM by {@link FileKvStoreTests}: increments a counter key {@code count} times
 * with a compare-and-set loop, so the test can check that writers in other processes never lose an
 * update.
 */
public final class FileKvContender {
  private FileKvContender() {}

  public static void main(String[] args) {
    FileKvStore store = new FileKvStore(Path.of(args[0]), Duration.ofSeconds(30));
    int count = Integer.parseInt(args[2]);
    for (int i = 0; i < count; i++) {
      FileKvStoreTests.increment(store, args[1]);
    }
  }
}
