package dev.conveyor.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, as CI runs it: {@code ./conveyor demo --no-wait --fresh}, here
 * in-process with the worker jar this build made. Needs the Docker engine and registry: skipped
 * without them, failed without them when {@code -Drequire.docker=true}.
 */
class DemoTests {

  @Test
  @Timeout(600)
  void pushToHealthyReleaseThenCatchesABrokenCommit(@TempDir Path dir) throws Exception {
    boolean docker = Shell.of(null, "docker", "info").run(Duration.ofSeconds(20)).ok();
    boolean registry = Prerequisites.registryAnswers();
    String missing =
        "the demo needs a Docker engine and a registry on 127.0.0.1:5000: run"
            + " scripts/start-services.sh (engine: "
            + docker
            + ", registry: "
            + registry
            + ")";
    if (Boolean.getBoolean("require.docker")) {
      assertThat(docker && registry).as(missing).isTrue();
    } else {
      Assumptions.assumeTrue(docker && registry, missing);
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
            "--dir",
            dir.resolve("demo").toString());

    assertThat(code).as(out + "\n" + err).isZero();
    assertThat(out.toString())
        .contains("release/demo/shop/")
        .contains("The demo did what it should.");
    Path config = dir.resolve("demo/repos/config.git");
    String log =
        Shell.of(config, "git", "log", "--format=%s", "main").check(Duration.ofSeconds(30));
    assertThat(log).contains("deploy accounts", "deploy billing", "deploy web");
    assertThat(
            Shell.of(null, "docker", "ps", "-q", "--filter", "label=dev.conveyor.env=demo")
                .check(Duration.ofSeconds(30)))
        .as("the demo removes its containers when it ends")
        .isBlank();
    assertThat(Files.exists(dir.resolve("demo/worker.log"))).isTrue();
  }
}
