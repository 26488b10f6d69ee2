package dev.conveyor.cli.trigger;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One updated ref of a push, as a post-receive hook reads it ({@code <old> <new> <ref>}) or a
 * webhook payload carries it ({@code before}, {@code after}, {@code ref}).
 */
record RefUpdate(String oldId, String newId, String ref) {
  static final String HEADS = "refs/heads/";
  static final String TAGS = "refs/tags/";
  private static final Pattern ZEROS = Pattern.compile("0+");
  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  /**
   * Parses one line of post-receive input.
   *
   * @throws IllegalArgumentException when the line is not {@code <old> <new> <ref>}
   */
  static RefUpdate parse(String line) {
    String[] parts = line.trim().split(" ", 3);
    if (parts.length != 3
        || !OBJECT_ID.matcher(parts[0]).matches()
        || !OBJECT_ID.matcher(parts[1]).matches()
        || parts[2].isBlank()) {
      throw new IllegalArgumentException(
          "'" + line + "' is not '<old-id> <new-id> <ref>' as git passes to post-receive");
    }
    return new RefUpdate(parts[0], parts[1], parts[2]);
  }

  /** The ref no longer exists after the push: git (and webhooks) send an all-zero new id. */
  boolean deleted() {
    return ZEROS.matcher(newId).matches();
  }

  boolean isTag() {
    return ref.startsWith(TAGS);
  }

  /** The branch name when the ref is a branch ({@code refs/heads/<name>}). */
  Optional<String> branch() {
    return ref.startsWith(HEADS) ? Optional.of(ref.substring(HEADS.length())) : Optional.empty();
  }

  /** A well-formed commit id: webhook payloads are checked before they are used. */
  boolean wellFormed() {
    return OBJECT_ID.matcher(oldId).matches() && OBJECT_ID.matcher(newId).matches();
  }
}
