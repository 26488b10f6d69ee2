package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.Git;
import dev.conveyor.cli.Target;
import dev.conveyor.cli.TemporalTestServer;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hook's fast start, from an executable jar laid out as Spring Boot's repackaging lays out the
 * CLI jar ({@code BOOT-INF/classes}, {@code BOOT-INF/lib}), built here from the test class path
 * because the real one is packaged after the tests.
 */
class FastStartTests {
  @TempDir static Path dir;
  static Path cliJar;
  static TemporalTestServer temporal;

  @BeforeAll
  static void buildTheCliJarAndStartTemporal() throws Exception {
    cliJar = dir.resolve("target/conveyor-cli.jar");
    Files.createDirectories(cliJar.getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream file = Files.newOutputStream(cliJar);
        JarOutputStream jar = new JarOutputStream(file, manifest)) {
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path path = Path.of(entry);
        if (entry.endsWith(".jar")) {
          jar.putNextEntry(new JarEntry("BOOT-INF/lib/" + path.getFileName()));
          Files.copy(path, jar);
        } else if (Files.isDirectory(path) && path.getFileName().toString().equals("classes")) {
          try (Stream<Path> files = Files.walk(path)) {
            for (Path classFile : files.filter(Files::isRegularFile).toList()) {
              jar.putNextEntry(
                  new JarEntry(
                      "BOOT-INF/classes/"
                          + path.relativize(classFile)
                              .toString()
                              .replace(File.separatorChar, '/')));
              Files.copy(classFile, jar);
            }
          }
        }
        jar.closeEntry();
      }
    }
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
  }

  @AfterAll
  static void stopTemporal() {
    if (temporal != null) {
      temporal.close();
    }
  }

  static CliLauncher fromJar() {
    return new CliLauncher(CliLauncher.current().java(), List.of("-jar", cliJar.toString()), null);
  }

  @Test
  void preparingUnpacksTheJarRecordsAnArchiveTheJvmUsesAndIsDoneOncePerBuild() throws Exception {
    FastStart.Prepared prepared = fromJar().withFastStart().fast();
    FileTime recorded = Files.getLastModifiedTime(prepared.archive());
    FastStart.Prepared again = fromJar().withFastStart().fast();

    assertThat(prepared.appJar()).isRegularFile();
    assertThat(prepared.appJar().resolveSibling("lib"))
        .isDirectoryContaining("glob:**picocli*.jar");
    assertThat(again).isEqualTo(prepared);
    assertThat(Files.getLastModifiedTime(again.archive())).isEqualTo(recorded);
    List<String> command = new ArrayList<>(fromJar().withFastStart().fastCommand());
    command.add(command.size() - 2, "-Xlog:class+load=info");
    command.add("--version");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).isZero();
    assertThat(output)
        .contains("dev.conveyor.cli.ConveyorCli source: shared objects file (top)")
        .contains("conveyor ");
  }

  @Test
  void theHookUsesTheFastStartUntilTheCliJarIsWrittenAgain() throws Exception {
    Path bare = Git.bareWithClone(dir, "billing");
    Path clone = Git.cloneOf(bare);
    CliLauncher launcher = fromJar().withFastStart();
    GitRepo repo = GitRepo.at(bare);
    new HookConfig(
            new TriggerConfig(
                Target.service("billing"),
                BranchMapping.parse(List.of("main=qa")),
                HookTests.DEFINITIONS.toString()),
            temporal.address(),
            "default")
        .write(repo);
    new HookInstaller(bare.resolve("hooks")).install(launcher);
    String first = Git.ok(clone, "rev-parse", "HEAD").trim();
    Path moved = cliJar.resolveSibling("conveyor-cli.jar.moved");
    Files.move(cliJar, moved);
    try {
      // No CLI jar at all: only the fast start can run the hook.
      String fast = Git.ok(clone, "push", "origin", "main");

      assertThat(fast)
          .contains("refs/heads/main -> " + HookTests.deployId("qa", first) + " started");

      // A CLI jar written after the install (even with an old mtime, as reproducible builds have)
      // is newer than the fast start: the hook runs it, here a broken one, and saves the refs.
      Files.writeString(cliJar, "not a jar");
      Files.setLastModifiedTime(cliJar, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
      String second = Git.commit(clone, "second");

      String fallback = Git.ok(clone, "push", "origin", "main");

      assertThat(fallback).contains("the hook could not run the Conveyor CLI");
      assertThat(Files.readString(bare.resolve(HookInstaller.SAVED_REFS))).contains(second);
    } finally {
      Files.move(moved, cliJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
