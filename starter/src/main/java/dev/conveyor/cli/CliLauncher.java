package dev.conveyor.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that runs this CLI again from a hook: the same JVM, then {@code -jar
 * conveyor-cli.jar} when the CLI runs from its jar, or {@code -cp <classpath>
 * dev.conveyor.cli.ConveyorCli} when it runs from classes (tests, an IDE). Calling the JVM directly
 * skips the {@code ./conveyor} wrapper's freshness check, which a push should not pay for.
 *
 * @param command the words of the command, without the CLI's own arguments
 */
record CliLauncher(List<String> command) {
  /**
   * JVM flags for a short run: the client compiler only (a hook runs for about a second, the C2
   * compiler never pays off) and the serial collector (no GC threads to start).
   */
  static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  static CliLauncher current() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(FAST_START);
    String classpath = System.getProperty("java.class.path", "");
    String[] entries = classpath.split(File.pathSeparator);
    if (entries.length == 1
        && entries[0].endsWith(".jar")
        && Files.isRegularFile(Path.of(entries[0]))) {
      command.add("-jar");
      command.add(Path.of(entries[0]).toAbsolutePath().normalize().toString());
    } else {
      List<String> absolute = new ArrayList<>();
      for (String entry : entries) {
        if (!entry.isEmpty()) {
          absolute.add(Path.of(entry).toAbsolutePath().normalize().toString());
        }
      }
      command.add("-cp");
      command.add(String.join(File.pathSeparator, absolute));
      command.add(ConveyorCli.class.getName());
    }
    return new CliLauncher(List.copyOf(command));
  }

  /** The command as one line of POSIX shell, each word single-quoted. */
  String shellWords() {
    return String.join(" ", command.stream().map(CliLauncher::quote).toList());
  }

  static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
