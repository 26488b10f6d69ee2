package dev.conveyor.activities.gitops;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Commit messages in Git's trailer format: a subject, a blank line, then {@code Key: value} lines
 * as the last paragraph, so {@code git interpret-trailers --parse} and {@code %(trailers)} read
 * them.
 */
final class CommitMessage {
  static final String WORKFLOW_ID = "Conveyor-Workflow-Id";
  static final String RUN_ID = "Conveyor-Run-Id";
  static final String COMMIT = "Conveyor-Commit";
  static final String IMAGE = "Conveyor-Image";
  static final String REQUESTED_BY = "Conveyor-Requested-By";
  static final String ROLLBACK_OF = "Conveyor-Rollback-Of";
  static final String RESTORED_FROM = "Conveyor-Restored-From";
  static final String REASON = "Conveyor-Reason";

  private CommitMessage() {}

  /** The message; values are put on one line each (a newline would end the trailer). */
  static String format(String subject, Map<String, String> trailers) {
    StringBuilder message = new StringBuilder(oneLine(subject)).append("\n\n");
    trailers.forEach(
        (key, value) -> message.append(key).append(": ").append(oneLine(value)).append('\n'));
    return message.toString();
  }

  /** The trailers of {@code message}: the {@code Key: value} lines of its last paragraph. */
  static Map<String, String> parseTrailers(String message) {
    Map<String, String> trailers = new LinkedHashMap<>();
    String body = message.strip();
    int split = body.lastIndexOf("\n\n");
    if (split < 0) {
      return trailers;
    }
    for (String line : body.substring(split + 2).split("\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0 || !line.substring(0, colon).matches("[A-Za-z0-9-]+")) {
        return Map.of();
      }
      trailers.putIfAbsent(line.substring(0, colon), line.substring(colon + 1).strip());
    }
    return trailers;
  }

  private static String oneLine(String value) {
    return value == null ? "" : value.replaceAll("[\\r\\n]+", " ").strip();
  }
}
