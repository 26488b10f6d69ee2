package dev.conveyor.activities.gitops;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.util.FS;

/**
 * A definitions location as a request gives it, resolved to what JGit fetches from.
 *
 * @param uri what JGit fetches from and pushes to
 * @param key identifies the repository: the real path of a local one, the URL of a remote one
 * @param display how messages and logs name it (never carries a password)
 * @param localGitDir the Git directory when the location is a local path
 */
record Location(URIish uri, String key, String display, Optional<Path> localGitDir) {
  private static final Pattern URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*");
  private static final Pattern SCP_LIKE = Pattern.compile("^([^@/\\s]+@)?[^/:\\s]{2,}:(?!//).*");
  private static final Set<String> SCHEMES = Set.of("file", "http", "https", "ssh", "git");

  /**
   * Parses a local path (relative to the worker's working directory, bare or with a work tree), a
   * URL ({@code file://}, {@code http(s)://}, {@code ssh://}, {@code git://}) or an scp-like {@code
   * user@host:path}.
   *
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} when the
   *     location cannot be a config repository
   */
  static Location parse(String given) {
    if (given == null || given.isBlank()) {
      throw invalid("no definitions location given (a path or URL of the config repository)");
    }
    String location = given.trim();
    if (URL.matcher(location).matches()) {
      return url(location);
    }
    if (SCP_LIKE.matcher(location).matches() && !Files.exists(Path.of(location))) {
      return url(location);
    }
    return path(location);
  }

  /** The clone's directory name: readable, and unique per {@link #key}. */
  String cloneDirName() {
    String trimmed = key.replaceAll("[/\\\\]+$", "");
    if (trimmed.endsWith("/.git")) {
      trimmed = trimmed.substring(0, trimmed.length() - "/.git".length());
    }
    String last =
        trimmed.substring(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf(':')) + 1);
    String readable = last.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.]+", "");
    if (readable.length() > 40) {
      readable = readable.substring(0, 40);
    }
    return (readable.isEmpty() ? "repo" : readable) + "-" + sha256(key).substring(0, 16);
  }

  private static Location url(String location) {
    URIish uri;
    try {
      uri = new URIish(location);
    } catch (URISyntaxException e) {
      throw invalid(
          "definitions location " + location + " is not a valid Git URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "ssh" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw invalid(
          "definitions location "
              + uri
              + " uses "
              + scheme
              + "://, which Conveyor cannot fetch from (use a path, file://, http(s)://, ssh:// or git://)");
    }
    if (uri.getPass() != null) {
      // Never take secrets from a request: they would sit in the workflow history.
      throw invalid(
          "definitions location "
              + uri
              + " carries a password; remove it and configure the worker's Git credentials instead");
    }
    if ((uri.getHost() != null && uri.getHost().startsWith("-"))
        || (uri.getUser() != null && uri.getUser().startsWith("-"))) {
      // The ssh client would read it as an option.
      throw invalid("definitions location " + uri + " names a host or user starting with '-'");
    }
    if ("file".equals(scheme)) {
      return path(uri.getPath());
    }
    String key = location.replaceAll("/+$", "");
    return new Location(uri, key, uri.toString(), Optional.empty());
  }

  private static Location path(String location) {
    Path dir;
    try {
      dir = Path.of(location);
    } catch (InvalidPathException e) {
      throw invalid("definitions location " + location + " is not a valid path: " + e.getMessage());
    }
    // Relative paths are relative to the worker's working directory.
    dir = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw invalid(
          "definitions location "
              + location
              + " (resolved to "
              + dir
              + ") is not a directory; give the path of the config repository");
    }
    File gitDir = RepositoryCache.FileKey.resolve(dir.toFile(), FS.DETECTED);
    if (gitDir == null) {
      throw invalid(
          "definitions location " + dir + " is not a Git repository (bare or with a work tree)");
    }
    Path real;
    try {
      real = gitDir.toPath().toRealPath();
    } catch (IOException e) {
      throw invalid("definitions location " + dir + " cannot be read: " + e.getMessage());
    }
    try {
      return new Location(
          new URIish(real.toString()), real.toString(), dir.toString(), Optional.of(real));
    } catch (URISyntaxException e) {
      throw invalid(
          "definitions location " + dir + " cannot be used as a Git URL: " + e.getMessage());
    }
  }

  private static String sha256(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
  }
}
