package dev.conveyor.activities.gitops;

import java.util.Optional;

/** File paths inside the config repository: relative, {@code /}-separated, no dot segments. */
final class RepoPaths {
  private RepoPaths() {}

  /**
   * Normalizes {@code marathon/a.json} and {@code ./marathon/a.json} to the former; empty for an
   * absolute path, a {@code ..} or empty segment, or a backslash.
   */
  static Optional<String> normalize(String path) {
    if (path == null) {
      return Optional.empty();
    }
    String p = path.trim();
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (p.isEmpty() || p.startsWith("/") || p.endsWith("/") || p.contains("\\")) {
      return Optional.empty();
    }
    for (String segment : p.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return Optional.empty();
      }
    }
    return Optional.of(p);
  }
}
