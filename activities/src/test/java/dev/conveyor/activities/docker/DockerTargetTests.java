package dev.conveyor.activities.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.conveyor.activities.target.DeployTarget.HealthSnapshot;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.activities.testing.TestDocker.PushedImage;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.FinishResult;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.HealthSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local Docker target with real busybox httpd containers on the machine's engine. */
@RequiresDocker
class DockerTargetTests {
  private static final Duration PATIENCE = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final String run = TestDocker.uniqueName("target");
  private final String env = TestDocker.uniqueName("qa");
  private final String service = "web";
  private final String name = "conveyor-test/" + run;
  private final DockerClient docker = TestDocker.client();
  // busybox httpd runs as PID 1 and ignores SIGTERM: keep the graceful-stop wait short here.
  private final DockerTarget target =
      new DockerTarget(
          new DockerTargetSettings(
              DockerSettings.defaults(),
              Optional.empty(),
              "127.0.0.1",
              Duration.ofSeconds(2),
              Duration.ofSeconds(1),
              Duration.ofMinutes(1)));
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(3)).build();
  private final List<PushedImage> pushed = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    TestDocker.removeContainers(docker, DockerTarget.LABEL_ENV, env);
    TestDocker.removeImages(docker, TestDocker.TEST_LABEL, run);
    pushed.forEach(image -> TestDocker.deleteFromRegistry(name, image.digest()));
    target.close();
    docker.close();
    http.dispatcher().executorService().shutdown();
  }

  private PushedImage image(BusyboxImages.Context context, String tag) throws Exception {
    PushedImage image = TestDocker.buildAndPush(docker, context, dir.resolve(tag), name, tag, run);
    pushed.add(image);
    return image;
  }

  private TargetRequest request(PushedImage image, String workflowId) {
    return new TargetRequest(
        "docker",
        env,
        service,
        "/" + env + "/" + service,
        null,
        dir.toString(),
        "c0ffee",
        "marathon/" + env + "/" + service + ".json",
        image.pinned(),
        image.tag().substring(image.tag().lastIndexOf(':') + 1),
        new HealthSpec(BusyboxImages.HEALTH_PATH, BusyboxImages.HTTP_PORT, 60),
        workflowId,
        false);
  }

  private static ObjectNode app() {
    ObjectNode app = JSON.createObjectNode();
    app.put("id", "/web");
    app.putObject("env").put("GREETING", "hello").putObject("SECRET_REF").put("secret", "x");
    return app;
  }

  @Test
  void replacesStartFirstAndRetiresTheOldContainerOnlyAfterSuccess() throws Exception {
    TargetRequest first = request(image(BusyboxImages.context().withVersion("v1"), "v1"), "wf-1");
    TargetDeployment old = target.deploy(first, app());
    awaitCheck(first, old, HealthSnapshot::done);
    assertThat(target.finish(new FinishRequest(first, old, true)).summary())
        .isEqualTo("no older containers to remove");

    TargetRequest second = request(image(BusyboxImages.context().withVersion("v2"), "v2"), "wf-2");
    TargetDeployment next = target.deploy(second, app());

    assertThat(old.deploymentId()).isEqualTo("conveyor-" + env + "-web-1");
    assertThat(next.deploymentId()).isEqualTo("conveyor-" + env + "-web-2");
    assertThat(next.alreadyLive()).isFalse();
    assertThat(next.endpoint()).startsWith("http://127.0.0.1:").isNotEqualTo(old.endpoint());
    assertThat(get(old.endpoint() + "/version")).isEqualTo("200 v1");
    HealthSnapshot healthy = awaitCheck(second, next, HealthSnapshot::done);
    assertThat(healthy.summary())
        .isEqualTo("container conveyor-" + env + "-web-2 running, GET /health -> 200");
    assertThat(get(old.endpoint() + "/version")).as("old serves until finish").isEqualTo("200 v1");

    FinishResult finished = target.finish(new FinishRequest(second, next, true));

    assertThat(finished.summary()).isEqualTo("removed conveyor-" + env + "-web-1");
    assertThatThrownBy(() -> docker.inspectContainerCmd(old.deploymentId()).exec())
        .isInstanceOf(NotFoundException.class);
    assertThat(get(next.endpoint() + "/version")).isEqualTo("200 v2");
    InspectContainerResponse container = docker.inspectContainerCmd(next.version()).exec();
    assertThat(container.getConfig().getLabels())
        .containsEntry("dev.conveyor.service", service)
        .containsEntry("dev.conveyor.env", env)
        .containsEntry("dev.conveyor.commit", "v2")
        .containsEntry("dev.conveyor.digest", pushed.get(1).digest())
        .containsEntry("dev.conveyor.workflow-id", "wf-2");
    assertThat(container.getConfig().getEnv()).contains("GREETING=hello");
    assertThat(container.getHostConfig().getRestartPolicy().getName()).isEqualTo("unless-stopped");
    assertThat(target.finish(new FinishRequest(second, next, true)).summary())
        .as("finishing twice is a no-op")
        .isEqualTo("no older containers to remove");
  }

  @Test
  void failingHealthPathNeverPassesAndFailedFinishLeavesTheOldServing() throws Exception {
    TargetRequest first = request(image(BusyboxImages.context().withVersion("v1"), "v1"), "wf-1");
    TargetDeployment old = target.deploy(first, app());
    awaitCheck(first, old, HealthSnapshot::done);
    target.finish(new FinishRequest(first, old, true));

    TargetRequest broken =
        request(image(BusyboxImages.context().withVersion("v2").withoutHealthFile(), "v2"), "wf-2");
    TargetDeployment next = target.deploy(broken, app());
    HealthSnapshot answering = awaitCheck(broken, next, s -> s.summary().endsWith("-> 404"));
    Thread.sleep(500);

    assertThat(target.check(broken, next).done()).isFalse();
    assertThat(answering.healthy()).isZero();
    assertThat(answering.expected()).isEqualTo(1);
    assertThat(answering.summary())
        .isEqualTo("container conveyor-" + env + "-web-2 running, GET /health -> 404");

    FinishResult finished = target.finish(new FinishRequest(broken, next, false));

    assertThat(finished.summary())
        .isEqualTo("removed conveyor-" + env + "-web-2; the previous version keeps serving");
    assertThatThrownBy(() -> docker.inspectContainerCmd(next.version()).exec())
        .isInstanceOf(NotFoundException.class);
    assertThat(get(old.endpoint() + BusyboxImages.HEALTH_PATH)).isEqualTo("200 ok");
    assertThat(target.check(broken, next).summary())
        .isEqualTo("container conveyor-" + env + "-web-2 not found");
    assertThat(target.finish(new FinishRequest(broken, next, false)).summary())
        .startsWith("conveyor-" + env + "-web-2 already gone");
  }

  @Test
  void redeployOfTheSameWorkflowAndDigestReturnsTheSameContainer() throws Exception {
    TargetRequest request = request(image(BusyboxImages.context().withVersion("v1"), "v1"), "wf-1");
    TargetDeployment first = target.deploy(request, app());

    TargetDeployment again = target.deploy(request, app());

    assertThat(first.alreadyLive()).isFalse();
    assertThat(again.alreadyLive()).isTrue();
    assertThat(again.deploymentId()).isEqualTo(first.deploymentId());
    assertThat(again.version()).isEqualTo(first.version());
    assertThat(
            docker
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(DockerTarget.LABEL_ENV, env))
                .exec())
        .hasSize(1);

    docker.stopContainerCmd(first.version()).withTimeout(1).exec();
    TargetDeployment restarted = target.deploy(request, app());

    assertThat(restarted.alreadyLive()).isTrue();
    assertThat(restarted.version()).isEqualTo(first.version());
    assertThat(docker.inspectContainerCmd(first.version()).exec().getState().getRunning()).isTrue();
    awaitCheck(request, restarted, HealthSnapshot::done);
  }

  @Test
  void containerThatExitsIsReportedWithItsExitCode() throws Exception {
    TargetRequest request =
        request(
            image(
                BusyboxImages.context()
                    .withDockerfile(
                        "FROM scratch\nCOPY busybox /bin/busybox\n"
                            + "ENTRYPOINT [\"/bin/busybox\", \"false\"]\n"),
                "exits"),
            "wf-1");
    TargetDeployment deployment = target.deploy(request, app());

    HealthSnapshot snapshot = awaitCheck(request, deployment, s -> s.summary().contains("code 1"));

    assertThat(snapshot.done()).isFalse();
    assertThat(snapshot.summary())
        .matches(
            "container conveyor-"
                + env
                + "-web-1 (exited \\(code 1\\)|restarting \\(exit code 1\\))");
  }

  @Test
  void pullsThePinnedImageFromTheRegistryWhenTheEngineLacksIt() throws Exception {
    PushedImage image = image(BusyboxImages.context().withVersion("v1"), "v1");
    TestDocker.removeImage(docker, image.imageId());
    TargetRequest request = request(image, "wf-1");

    TargetDeployment deployment = target.deploy(request, app());

    awaitCheck(request, deployment, HealthSnapshot::done);
    assertThat(docker.inspectImageCmd(image.pinned()).exec().getId()).isEqualTo(image.imageId());
  }

  private HealthSnapshot awaitCheck(
      TargetRequest request, TargetDeployment deployment, Predicate<HealthSnapshot> wanted)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    HealthSnapshot last = target.check(request, deployment);
    while (!wanted.test(last)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("within " + PATIENCE + " the target only said: " + last.summary());
      }
      Thread.sleep(100);
      last = target.check(request, deployment);
    }
    return last;
  }

  private String get(String url) throws IOException {
    try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code() + " " + response.body().string().strip();
    }
  }

  @Test
  void liveFindsTheNewestRunningContainerOfTheServiceWhoeverStartedIt() throws Exception {
    TargetRequest probe = request(image(BusyboxImages.context().withVersion("v1"), "v1"), "wf-1");
    var none = target.live(probe);
    assertThat(none.healthy()).isFalse();
    assertThat(none.summary()).isEqualTo("not deployed on " + env + " (no container of web)");

    TargetDeployment first = target.deploy(probe, app());
    awaitCheck(probe, first, HealthSnapshot::done);

    var live = target.live(probe);
    assertThat(live.healthy()).isTrue();
    assertThat(live.healthyInstances()).isEqualTo(1);
    assertThat(live.expectedInstances()).isEqualTo(1);
    assertThat(live.image()).isEqualTo(pushed.get(0).pinned());
    assertThat(live.summary())
        .isEqualTo("container conveyor-" + env + "-web-1 running, GET /health -> 200");

    docker.stopContainerCmd(first.deploymentId()).withTimeout(0).exec();
    var stopped = target.live(probe);
    assertThat(stopped.healthy()).isFalse();
    assertThat(stopped.summary())
        .isEqualTo("no running container of web on " + env + " (1 stopped)");
  }
}
