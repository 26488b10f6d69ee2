package dev.conveyor.activities.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One file of a build context or source repo: its bytes and whether it is executable (Git mode
 * 100755; Docker keeps the mode when it copies the file into an image).
 */
public record RepoFile(byte[] content, boolean executable) {
  /** A regular (non-executable) UTF-8 text file. */
  public static RepoFile text(String text) {
    return new RepoFile(text.getBytes(StandardCharsets.UTF_8), false);
  }

  /** The bytes of {@code source}, executable. */
  public static RepoFile executableCopyOf(Path source) {
    try {
      return new RepoFile(Files.readAllBytes(source), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source, e);
    }
  }
}
