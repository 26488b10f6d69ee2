package dev.conveyor.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the demo picks where its images go: the registry on 127.0.0.1:5000 when it answers, else
 * Debian's docker-registry when installed (a stand-in script here), else local-image mode, which
 * {@code --registry local} also forces. Whether a registry answers is given to {@link
 * DemoServices}, so each branch runs whatever this machine has.
 */
class DemoRegistryChoiceTests {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();

  private DemoServices services(String searchPath, boolean registryAnswers) {
    return new DemoServices(new PrintWriter(out, true), searchPath, () -> registryAnswers);
  }

  @Test
  void aRegistryThatAnswersIsUsed() {
    try (DemoServices services = services(dir.toString(), true)) {
      assertThat(services.startRegistryIfNeeded(dir.resolve("registry"), false)).isFalse();
    }
    assertThat(out.toString()).contains("registry      127.0.0.1:5000 (already running)");
  }

  @Test
  void withoutARegistryOrDockerRegistryItRunsInLocalImageModeAndSaysSo() {
    try (DemoServices services = services(dir.toString(), false)) {
      assertThat(services.startRegistryIfNeeded(dir.resolve("registry"), false)).isTrue();
    }
    assertThat(out.toString())
        .contains(
            "registry      none: local-image mode. No registry answers on 127.0.0.1:5000 and"
                + " Debian's docker-registry is not installed, so images are built into the Docker"
                + " engine and run from there; push is skipped.")
        .contains("sudo apt-get install -y docker-registry");
    assertThat(dir.resolve("registry")).doesNotExist();
  }

  @Test
  void registryLocalIsLocalImageModeEvenWhenARegistryAnswers() {
    try (DemoServices services = services(dir.toString(), true)) {
      assertThat(services.startRegistryIfNeeded(dir.resolve("registry"), true)).isTrue();
    }
    assertThat(out.toString()).contains("none: local-image mode (--registry local)");
  }

  @Test
  @Timeout(60)
  void anInstalledDockerRegistryIsStartedWithItsConfigAndStoppedAtTheEnd() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path args = dir.resolve("registry-args");
    Path ready = dir.resolve("registry-ready");
    Path script = bin.resolve("docker-registry");
    Files.writeString(
        script,
        """
        #!/bin/sh
        # Stand-in for Debian's docker-registry, written by DemoRegistryChoiceTests.
        printf '%%s\\n' "$@" > '%s'
        echo $$ > '%s'
        exec sleep 120
        """
            .formatted(args, ready));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path registryDir = dir.resolve("registry");

    DemoServices services =
        new DemoServices(new PrintWriter(out, true), bin.toString(), () -> Files.exists(ready));
    try (services) {
      assertThat(services.startRegistryIfNeeded(registryDir, false)).isFalse();

      assertThat(Files.readAllLines(args))
          .isEqualTo(List.of("serve", registryDir.resolve("registry.yml").toString()));
      assertThat(Files.readString(registryDir.resolve("registry.yml")))
          .contains("rootdirectory: " + registryDir.resolve("registry-storage"))
          .contains("addr: 127.0.0.1:5000");
      assertThat(out.toString())
          .contains("registry      127.0.0.1:5000 (started, storage in " + registryDir + ")");
    }
    long pid = Long.parseLong(Files.readString(ready).strip());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
        .as("the demo stops the registry it started")
        .isNotEqualTo(java.util.Optional.of(true));
  }
}
