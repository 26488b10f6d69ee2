package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a hook runs this CLI again: the same JVM, then {@code -jar conveyor-cli.jar} when the CLI
 * runs from its jar, or {@code -cp <classpath> dev.conveyor.cli.ConveyorCli} when it runs from
 * classes (tests, an IDE). Calling the JVM directly skips the {@code ./conveyor} wrapper's
 * freshness check, which a push should not pay for. With a {@link FastStart} the hook prefers the
 * unpacked jars and their class archive while they are current.
 *
 * @param java the JVM and its flags
 * @param target {@code -jar <jar>} or {@code -cp <classpath> <main class>}
 * @param fast the prepared fast start, or null
 */
record CliLauncher(List<String> java, List<String> target, FastStart.Prepared fast) {
  /**
   * JVM flags for a short run: the client compiler only (a hook runs for about a second, the C2
   * compiler never pays off) and the serial collector (no GC threads to start).
   */
  static final List<String> FAST_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  static CliLauncher current() {
    List<String> java = new ArrayList<>();
    java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    java.addAll(FAST_FLAGS);
    String classpath = System.getProperty("java.class.path", "");
    String[] entries = classpath.split(File.pathSeparator);
    if (entries.length == 1
        && entries[0].endsWith(".jar")
        && Files.isRegularFile(Path.of(entries[0]))) {
      return new CliLauncher(
          List.copyOf(java),
          List.of("-jar", Path.of(entries[0]).toAbsolutePath().normalize().toString()),
          null);
    }
    List<String> absolute = new ArrayList<>();
    for (String entry : entries) {
      if (!entry.isEmpty()) {
        absolute.add(Path.of(entry).toAbsolutePath().normalize().toString());
      }
    }
    return new CliLauncher(
        List.copyOf(java),
        List.of("-cp", String.join(File.pathSeparator, absolute), ConveyorCli.class.getName()),
        null);
  }

  /** The executable CLI jar this runs, or null when it runs from a class path. */
  Path cliJar() {
    return target.get(0).equals("-jar") ? Path.of(target.get(1)) : null;
  }

  /** With the fast start prepared for {@link #cliJar()} (a CLI jar only). */
  CliLauncher withFastStart() {
    Path jar = cliJar();
    return jar == null ? this : new CliLauncher(java, target, FastStart.prepare(jar, java));
  }

  /** The command, without the CLI's own arguments. */
  List<String> command() {
    List<String> command = new ArrayList<>(java);
    command.addAll(target);
    return command;
  }

  /** The fast command: the unpacked jars with their class archive. */
  List<String> fastCommand() {
    List<String> command = new ArrayList<>(java);
    command.add("-XX:SharedArchiveFile=" + fast.archive());
    command.addAll(FastStart.QUIET);
    command.addAll(List.of("-jar", fast.appJar().toString()));
    return command;
  }

  static String shellWords(List<String> words) {
    return String.join(" ", words.stream().map(CliLauncher::quote).toList());
  }

  static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
