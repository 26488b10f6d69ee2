package dev.conveyor.activities.marathon;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorded Marathon examples in {@code shared/reference/marathon/examples/}, located through
 * the {@code conveyor.shared.dir} system property that surefire sets. They are read in place, never
 * copied into the repository.
 */
final class RecordedExamples {
  private RecordedExamples() {}

  /** The example file, or null when the shared reference is not there (the test then skips). */
  static Path file(String name) {
    String shared = System.getProperty("conveyor.shared.dir");
    if (shared == null) {
      return null;
    }
    Path file = Path.of(shared, "reference", "marathon", "examples", name);
    return Files.isRegularFile(file) ? file : null;
  }
}
