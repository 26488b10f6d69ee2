package dev.conveyor.activities.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Build contexts for tiny test images that need no base image: {@code FROM scratch} plus Debian's
 * static busybox binary, serving {@code /www} with {@code busybox httpd} on port {@value
 * #HTTP_PORT}. The standard context answers {@code GET /health} with 200; {@link
 * Context#withoutHealthFile()} makes one that answers 404 there.
 *
 * <p>The Dockerfile has no {@code RUN} and no symlinks, so it builds on any engine without a shell.
 * Use {@link #context()} to get a layout, vary it with the {@code with…} methods, then {@link
 * Context#files()} (for a Git tree, see {@link SourceRepos}) or {@link Context#writeTo}.
 */
public final class BusyboxImages {
  /** The port busybox httpd listens on inside the container. */
  public static final int HTTP_PORT = 8080;

  /** The path that answers 200 in the standard image. */
  public static final String HEALTH_PATH = "/health";

  /** The standard Dockerfile. */
  public static final String DOCKERFILE =
      String.join(
          "\n",
          "FROM scratch",
          "COPY busybox /bin/busybox",
          "COPY www /www",
          // httpd runs as PID 1, which ignores SIGTERM, and has nothing to drain: without this
          // every retired container would sit out Docker's whole stop timeout (10 s).
          "STOPSIGNAL SIGKILL",
          "ENTRYPOINT [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \""
              + HTTP_PORT
              + "\", \"-h\","
              + " \"/www\"]",
          "");

  private static final List<Path> BUSYBOX_LOCATIONS =
      List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

  private BusyboxImages() {}

  /** Where the busybox binary is, if this machine has one. */
  public static Optional<Path> findBusybox() {
    return BUSYBOX_LOCATIONS.stream().filter(Files::isExecutable).findFirst();
  }

  /** The busybox binary, or an exception that says how to install it. */
  public static Path busybox() {
    return findBusybox()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no busybox binary at "
                        + BUSYBOX_LOCATIONS
                        + ": install Debian's busybox-static (scripts/start-services.sh does)"));
  }

  /** The standard context: Dockerfile, busybox, {@code www/health} and {@code www/index.html}. */
  public static Context context() {
    return new Context(DOCKERFILE, true, "v1", "");
  }

  /**
   * A build context layout, immutable.
   *
   * @param dockerfile the Dockerfile's text
   * @param healthFile whether {@code www/health} exists (without it, the health path answers 404)
   * @param version written to {@code www/version}; a different version gives a different image
   * @param prefix directory inside the repo that holds the context, e.g. {@code "app/"}; empty for
   *     the root
   */
  public record Context(String dockerfile, boolean healthFile, String version, String prefix) {
    /** Same layout, another Dockerfile text. */
    public Context withDockerfile(String text) {
      return new Context(text, healthFile, version, prefix);
    }

    /** Same layout with extra Dockerfile lines appended (e.g. a failing {@code RUN}). */
    public Context withDockerfileLines(String... lines) {
      return withDockerfile(dockerfile + String.join("\n", lines) + "\n");
    }

    /** Same layout without {@code www/health}: the health path answers 404. */
    public Context withoutHealthFile() {
      return new Context(dockerfile, false, version, prefix);
    }

    /** Same layout whose image differs from others by the content of {@code www/version}. */
    public Context withVersion(String text) {
      return new Context(dockerfile, healthFile, text, prefix);
    }

    /** Same layout placed under {@code directory} (the build's {@code context}). */
    public Context under(String directory) {
      String clean = directory.replaceAll("^/+|/+$", "");
      return new Context(dockerfile, healthFile, version, clean.isEmpty() ? "" : clean + "/");
    }

    /** The files of this layout minus the Dockerfile: a source tree whose build must fail. */
    public Map<String, RepoFile> filesWithoutDockerfile() {
      Map<String, RepoFile> files = files();
      files.remove(prefix + "Dockerfile");
      return files;
    }

    /** Path inside the repo → file, in a stable order. */
    public Map<String, RepoFile> files() {
      Map<String, RepoFile> files = new LinkedHashMap<>();
      files.put(prefix + "Dockerfile", RepoFile.text(dockerfile));
      files.put(prefix + "busybox", RepoFile.executableCopyOf(busybox()));
      files.put(prefix + "www/index.html", RepoFile.text("<p>conveyor test " + version + "</p>\n"));
      files.put(prefix + "www/version", RepoFile.text(version + "\n"));
      if (healthFile) {
        files.put(prefix + "www/health", RepoFile.text("ok\n"));
      }
      return files;
    }

    /** Writes the layout under {@code dir} (creating it) and returns the context directory. */
    public Path writeTo(Path dir) {
      writeFiles(dir, files());
      return dir.resolve(prefix.isEmpty() ? "." : prefix).normalize();
    }
  }

  /** Writes {@code files} under {@code dir}, keeping the executable bit. */
  public static void writeFiles(Path dir, Map<String, RepoFile> files) {
    try {
      for (Map.Entry<String, RepoFile> entry : files.entrySet()) {
        Path target = dir.resolve(entry.getKey());
        Files.createDirectories(target.getParent());
        Files.write(target, entry.getValue().content());
        Files.setPosixFilePermissions(
            target,
            PosixFilePermissions.fromString(
                entry.getValue().executable() ? "rwxr-xr-x" : "rw-r--r--"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write build context under " + dir, e);
    }
  }
}
