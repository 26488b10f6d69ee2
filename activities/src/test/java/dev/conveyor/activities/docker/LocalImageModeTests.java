package dev.conveyor.activities.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.build.BuildActivitiesImpl;
import dev.conveyor.activities.build.BuildSettings;
import dev.conveyor.activities.target.DeployTarget.HealthSnapshot;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.SourceRepos.SourceRepo;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.BuildActivities.BuildRequest;
import dev.conveyor.workflows.steps.BuildActivities.BuildResult;
import dev.conveyor.workflows.steps.BuildActivities.PushRequest;
import dev.conveyor.workflows.steps.BuildActivities.PushResult;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local-image mode ({@code registry: local}) on the real engine: build tags {@code
 * local/<service>:<commit>}, push pushes nothing and pins the engine's image id, the Docker target
 * runs that id, and nothing ever asks a registry or pulls.
 */
@RequiresDocker
class LocalImageModeTests {
  private static final ActivityOptions ONE_ATTEMPT =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final Instant started = Instant.now();
  private final String run = TestDocker.uniqueName("local");
  private final String env = TestDocker.uniqueName("demo");
  private final String workflowId = "deploy/" + env + "/web/000000000000";
  private final DockerClient docker = TestDocker.client();
  private final DockerTarget target =
      new DockerTarget(
          new DockerTargetSettings(
              DockerSettings.defaults(),
              Optional.empty(),
              "127.0.0.1",
              Duration.ofSeconds(2),
              Duration.ofSeconds(1),
              Duration.ofMinutes(1)));
  private TestActivityEnvironment environment;
  private BuildActivitiesImpl impl;
  private BuildActivities builder;

  @BeforeEach
  void startActivities() {
    BuildSettings defaults = BuildSettings.defaults(dir.resolve("data"));
    // Asking a registry about local/… would fail (no host "local"): each test's success shows
    // that local-image mode never does.
    impl =
        new BuildActivitiesImpl(
            new BuildSettings(
                defaults.dataDir(),
                defaults.docker(),
                defaults.registry(),
                Duration.ofMinutes(1),
                Duration.ofMinutes(1),
                Duration.ofSeconds(30),
                Duration.ofMillis(200)));
    environment = TestActivityEnvironment.newInstance();
    environment.registerActivitiesImplementations(impl);
    builder = environment.newActivityStub(BuildActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void cleanUp() throws Exception {
    TestDocker.removeContainers(docker, DockerTarget.LABEL_ENV, env);
    environment.close();
    impl.close();
    TestDocker.removeImages(docker, "dev.conveyor.workflow-id", workflowId);
    TestDocker.removeDanglingImagesSince(docker, started);
    target.close();
    docker.close();
  }

  private String tag(String commit) {
    return "local/" + run + ":" + commit;
  }

  @Test
  void buildKeepsTheImageInTheEngineAndPushPinsItsImageIdWithoutARegistry() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("web.git"), BusyboxImages.context().files());

    BuildResult built =
        builder.build(
            new BuildRequest(
                repo.path().toString(),
                repo.commit(),
                "Dockerfile",
                ".",
                tag(repo.commit()),
                workflowId));
    PushResult kept = builder.push(new PushRequest(built.imageTag(), workflowId));
    PushResult again = builder.push(new PushRequest(built.imageTag(), workflowId));

    assertThat(built.reused()).isFalse();
    assertThat(kept.digest()).isEqualTo(built.imageId()).startsWith("sha256:");
    assertThat(kept.pinnedImage()).isEqualTo("local/" + run + "@" + built.imageId());
    assertThat(again).as("a repeated push names the same image").isEqualTo(kept);
    assertThat(docker.inspectImageCmd(built.imageTag()).exec().getRepoDigests())
        .as("never pushed")
        .isNullOrEmpty();
  }

  @Test
  void theDockerTargetRunsTheLocalImageByIdAndLiveReportsTheLocalReference() throws Exception {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("web.git"), BusyboxImages.context().files());
    builder.build(
        new BuildRequest(
            repo.path().toString(),
            repo.commit(),
            "Dockerfile",
            ".",
            tag(repo.commit()),
            workflowId));
    PushResult kept = builder.push(new PushRequest(tag(repo.commit()), workflowId));
    TargetRequest request = request(kept.pinnedImage());

    TargetDeployment deployment = target.deploy(request, app());
    TargetDeployment repeated = target.deploy(request, app());

    HealthSnapshot healthy = awaitHealthy(request, deployment);
    assertThat(healthy.healthy()).isEqualTo(1);
    assertThat(repeated.alreadyLive()).isTrue();
    assertThat(repeated.deploymentId()).isEqualTo(deployment.deploymentId());
    assertThat(docker.inspectContainerCmd(deployment.deploymentId()).exec().getImageId())
        .isEqualTo(kept.digest());
    var live = target.live(request);
    assertThat(live.image()).isEqualTo(kept.pinnedImage());
  }

  @Test
  void aLocalImageMissingFromTheEngineIsRejectedAndNeverPulled() {
    String missing = "local/" + run + "@sha256:" + "0".repeat(64);

    assertThatThrownBy(() -> target.deploy(request(missing), app()))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("local image " + missing + " is not in this Docker engine")
                  .contains("builds and runs on the same engine");
            });
    assertThat(
            docker
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(java.util.Map.of(DockerTarget.LABEL_ENV, env))
                .exec())
        .as("no container was created")
        .isEmpty();
  }

  private TargetRequest request(String pinned) {
    return new TargetRequest(
        "docker",
        env,
        "web",
        "/" + env + "/web",
        null,
        dir.toString(),
        "c0ffee",
        "marathon/" + env + "/web.json",
        pinned,
        "c0ffee",
        new HealthSpec(BusyboxImages.HEALTH_PATH, BusyboxImages.HTTP_PORT, 60),
        workflowId,
        false);
  }

  private static ObjectNode app() {
    ObjectNode app = JSON.createObjectNode();
    app.put("id", "/web");
    return app;
  }

  private HealthSnapshot awaitHealthy(TargetRequest request, TargetDeployment deployment)
      throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(15);
    HealthSnapshot last = target.check(request, deployment);
    while (!last.done()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("the target only said: " + last.summary());
      }
      Thread.sleep(100);
      last = target.check(request, deployment);
    }
    return last;
  }
}
