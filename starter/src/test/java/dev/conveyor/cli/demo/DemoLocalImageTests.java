package dev.conveyor.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./conveyor demo --registry local --no-wait --fresh}: the demo without a registry, forced
 * whatever runs on 127.0.0.1:5000. The release still reaches healthy on the real Docker engine, the
 * broken commit is still caught and rolled back, and KV, the config repo and the containers all
 * name local images that were never pushed.
 */
class DemoLocalImageTests {

  @AfterEach
  void removeDemoImages() {
    String ids =
        Shell.of(null, "docker", "images", "-q", "--filter", "reference=local/*")
            .run(Duration.ofSeconds(30))
            .output()
            .strip();
    if (!ids.isEmpty()) {
      java.util.List<String> words =
          new java.util.ArrayList<>(java.util.List.of("docker", "rmi", "-f"));
      words.addAll(java.util.Arrays.asList(ids.split("\\s+")));
      new Shell(words, null).run(Duration.ofSeconds(60));
    }
  }

  @Test
  @Timeout(600)
  void pushToHealthyReleaseThenRollsBackABrokenCommitWithoutARegistry(@TempDir Path dir)
      throws Exception {
    boolean docker = Shell.of(null, "docker", "info").run(Duration.ofSeconds(20)).ok();
    String missing = "the demo needs a Docker engine: run scripts/start-services.sh";
    if (Boolean.getBoolean("require.docker")) {
      assertThat(docker).as(missing).isTrue();
    } else {
      Assumptions.assumeTrue(docker, missing);
    }
    Path root = Path.of(System.getProperty("conveyor.root.dir", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("worker/target/conveyor-worker.jar"))
        .as("the worker module is packaged before the starter's tests run")
        .exists();

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        ConveyorCli.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "demo",
            "--no-wait",
            "--fresh",
            "--registry",
            "local",
            "--dir",
            dir.resolve("demo").toString());

    assertThat(code).as(out + "\n" + err).isZero();
    assertThat(out.toString())
        .contains("none: local-image mode (--registry local)")
        .contains("docker images 'local/*'")
        .contains("The demo did what it should.");
    Path config = dir.resolve("demo/repos/config.git");
    assertThat(Shell.of(config, "git", "show", "main:conveyor.yaml").check(Duration.ofSeconds(30)))
        .contains("registry: local");
    String log =
        Shell.of(config, "git", "log", "--format=%s%n%(trailers)", "main")
            .check(Duration.ofSeconds(30));
    assertThat(log)
        .contains("deploy accounts", "deploy billing", "deploy web", "rollback billing")
        .contains("Conveyor-Image: local/billing@sha256:")
        .doesNotContain("Conveyor-Image: 127.0.0.1:5000/");
    String kv = Files.readString(dir.resolve("demo/worker/kv/conveyor/demo/billing/image.kv"));
    java.util.regex.Matcher pinned =
        java.util.regex.Pattern.compile("local/billing@(sha256:[0-9a-f]{64})").matcher(kv);
    assertThat(pinned.find()).as(kv).isTrue();
    String imageId = pinned.group(1);
    assertThat(
            Shell.of(null, "docker", "image", "inspect", "--format", "{{.RepoDigests}}", imageId)
                .check(Duration.ofSeconds(30))
                .strip())
        .as("the image KV names is in the engine and was never pushed")
        .isEqualTo("[]");
    assertThat(
            Shell.of(null, "docker", "ps", "-q", "--filter", "label=dev.conveyor.env=demo")
                .check(Duration.ofSeconds(30)))
        .as("the demo removes its containers when it ends")
        .isBlank();
  }
}
