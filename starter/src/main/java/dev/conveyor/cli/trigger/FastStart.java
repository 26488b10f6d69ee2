package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * A faster way for the hook to start the CLI. Most of a hook's second is the JVM loading the
 * Temporal client's classes (about 5,000); an AppCDS archive of them halves it. JDK 17 archives
 * classes only from plain jars on the class path, not from the nested jars of the executable CLI
 * jar, so this unpacks the CLI jar once per build into {@code conveyor-cli-hook/<digest>/} beside
 * it ({@code app.jar} whose manifest lists {@code lib/*.jar}) and records the archive with a
 * training run of {@code hook train} that goes through the hook's code paths.
 *
 * <p>Idempotent: the directory is named after the CLI jar's SHA-256, so a build is unpacked once
 * and never changed afterwards (an archive is only valid for the exact jars it was made from);
 * concurrent installs serialize on a lock file. The hook uses it only while the CLI jar has not
 * been written since the last prepare, and falls back to {@code java -jar conveyor-cli.jar}
 * otherwise.
 */
final class FastStart {
  static final String DIR = "conveyor-cli-hook";
  static final String APP_JAR = "app.jar";
  static final String ARCHIVE = "cli.jsa";
  static final String MARKER = "prepared";

  /** Silence the JVM's CDS warnings: a stale archive is ignored, and the pusher need not know. */
  static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");

  /** The training run talks to no Temporal; it ends within the hook's connect timeout. */
  private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(2);

  private static final String LIB = "BOOT-INF/lib/";
  private static final String CLASSES = "BOOT-INF/classes/";

  /**
   * A prepared runtime.
   *
   * @param cliJar the executable CLI jar it was unpacked from
   * @param appJar the jar to run with {@code -jar}
   * @param archive the AppCDS archive
   * @param marker touched by every prepare: a CLI jar written after it (its change time; its
   *     modification time is the fixed reproducible-build timestamp) is newer than this runtime
   */
  record Prepared(Path cliJar, Path appJar, Path archive, Path marker) {}

  private FastStart() {}

  /**
   * Unpacks {@code cliJar} and records its archive, unless that was done for this build already.
   *
   * @throws IllegalStateException when the training run fails (the message has its output)
   */
  static Prepared prepare(Path cliJar, List<String> javaCommand) {
    Path root = cliJar.toAbsolutePath().getParent().resolve(DIR);
    Path dir = root.resolve(digest(cliJar));
    try {
      Files.createDirectories(root);
      try (FileChannel lock =
          FileChannel.open(
              root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        lock.lock();
        Prepared prepared =
            new Prepared(
                cliJar.toAbsolutePath(),
                dir.resolve(APP_JAR),
                dir.resolve(ARCHIVE),
                dir.resolve(MARKER));
        if (!Files.isRegularFile(prepared.archive())) {
          deleteTree(dir);
          unpack(cliJar, dir);
          train(prepared, javaCommand);
        }
        // Not a class path entry, so touching it leaves the archive valid.
        Files.writeString(prepared.marker(), cliJar.toAbsolutePath() + "\n");
        return prepared;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the hook's fast start in " + dir, e);
    }
  }

  /** {@code lib/} gets the nested jars as they are; {@code app.jar} gets the CLI's own classes. */
  private static void unpack(Path cliJar, Path dir) throws IOException {
    Path lib = dir.resolve("lib");
    Files.createDirectories(lib);
    List<String> classPath = new ArrayList<>();
    try (JarFile jar = new JarFile(cliJar.toFile())) {
      Manifest manifest = new Manifest();
      Attributes attributes = manifest.getMainAttributes();
      attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
      attributes.put(Attributes.Name.MAIN_CLASS, ConveyorCli.class.getName());
      Attributes original =
          jar.getManifest() == null ? null : jar.getManifest().getMainAttributes();
      if (original != null && original.getValue(Attributes.Name.IMPLEMENTATION_VERSION) != null) {
        attributes.put(
            Attributes.Name.IMPLEMENTATION_VERSION,
            original.getValue(Attributes.Name.IMPLEMENTATION_VERSION));
      }
      List<JarEntry> classes = new ArrayList<>();
      for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
        JarEntry entry = entries.nextElement();
        String name = entry.getName();
        if (name.startsWith(LIB) && name.endsWith(".jar")) {
          String file = name.substring(LIB.length());
          try (InputStream in = jar.getInputStream(entry)) {
            Files.copy(in, lib.resolve(file), StandardCopyOption.REPLACE_EXISTING);
          }
          classPath.add("lib/" + file);
        } else if (name.startsWith(CLASSES) && !entry.isDirectory()) {
          classes.add(entry);
        }
      }
      attributes.put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
      try (OutputStream file = Files.newOutputStream(dir.resolve(APP_JAR));
          JarOutputStream out = new JarOutputStream(file, manifest)) {
        for (JarEntry entry : classes) {
          out.putNextEntry(new JarEntry(entry.getName().substring(CLASSES.length())));
          try (InputStream in = jar.getInputStream(entry)) {
            in.transferTo(out);
          }
          out.closeEntry();
        }
      }
    }
  }

  /**
   * Runs {@code hook train} once with {@code -XX:ArchiveClassesAtExit}, then moves the archive in.
   */
  private static void train(Prepared prepared, List<String> javaCommand) throws IOException {
    Path recording = prepared.archive().resolveSibling(ARCHIVE + ".recording");
    List<String> command = new ArrayList<>(javaCommand);
    command.add("-XX:ArchiveClassesAtExit=" + recording);
    command.addAll(QUIET);
    command.addAll(List.of("-jar", prepared.appJar().toString(), "hook", "train"));
    Path output = Files.createTempFile("conveyor-hook-train", ".log");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      process.getOutputStream().close();
      boolean ended = process.waitFor(TRAINING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!ended) {
        process.destroyForcibly();
      }
      if (!ended || process.exitValue() != 0 || !Files.isRegularFile(recording)) {
        throw new IllegalStateException(
            "the training run for the hook's fast start failed"
                + (ended ? " (exit " + process.exitValue() + ")" : " (timed out)")
                + ": "
                + Files.readString(output).strip());
      }
      Files.move(recording, prepared.archive(), StandardCopyOption.ATOMIC_MOVE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing the hook's fast start", e);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** The first 16 hex digits of the jar's SHA-256: one directory per build. */
  private static String digest(Path jar) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(jar), sha256)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + jar, e);
    }
    return HexFormat.of().formatHex(sha256.digest()).substring(0, 16);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
