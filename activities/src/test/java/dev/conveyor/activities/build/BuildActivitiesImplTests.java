package dev.conveyor.activities.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.conveyor.activities.registry.RegistryClient;
import dev.conveyor.activities.registry.RegistrySettings;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.SourceRepos.SourceRepo;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.BuildActivities.BuildRequest;
import dev.conveyor.workflows.steps.BuildActivities.BuildResult;
import dev.conveyor.workflows.steps.BuildActivities.PushRequest;
import dev.conveyor.workflows.steps.BuildActivities.PushResult;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build and push activities on the real engine and registry, run through Temporal's activity
 * test environment so that heartbeats and failures travel as in production.
 */
@RequiresDocker
class BuildActivitiesImplTests {
  private static final ActivityOptions ONE_ATTEMPT =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();

  @TempDir Path dir;

  private final Instant started = Instant.now();
  private final String run = TestDocker.uniqueName("build");
  private final String workflowId = "deploy/test/" + run + "/000000000000";
  private final String name = "conveyor-test/" + run;
  private final DockerClient docker = TestDocker.client();
  private final RegistryClient registry = new RegistryClient(RegistrySettings.defaults());
  private final List<String> heartbeats = new CopyOnWriteArrayList<>();
  private final List<String> pushedDigests = new ArrayList<>();
  private TestActivityEnvironment environment;
  private BuildActivitiesImpl impl;
  private BuildActivities activities;

  @BeforeEach
  void startActivities() {
    BuildSettings defaults = BuildSettings.defaults(dir.resolve("data"));
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
    environment.setActivityHeartbeatListener(String.class, heartbeats::add);
    activities = environment.newActivityStub(BuildActivities.class, ONE_ATTEMPT);
  }

  @AfterEach
  void cleanUp() throws Exception {
    environment.close();
    impl.close();
    TestDocker.removeImages(docker, BuildActivitiesImpl.LABEL_WORKFLOW_ID, workflowId);
    TestDocker.removeDanglingImagesSince(docker, started);
    pushedDigests.forEach(digest -> TestDocker.deleteFromRegistry(name, digest));
    docker.close();
  }

  private String tag(String commit) {
    return DockerRequired.registry() + "/" + name + ":" + commit;
  }

  private BuildRequest request(String repo, String commit) {
    return new BuildRequest(repo, commit, "Dockerfile", ".", tag(commit), workflowId);
  }

  private PushResult push(String tag) {
    PushResult pushed = activities.push(new PushRequest(tag, workflowId));
    pushedDigests.add(pushed.digest());
    return pushed;
  }

  @Test
  void buildsTheCommitTreeOfABareRepoAndPushesItWithTheRegistryDigest() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("web.git"), BusyboxImages.context().files());

    BuildResult built = activities.build(request(repo.path().toString(), repo.commit()));

    assertThat(built.reused()).isFalse();
    assertThat(built.digest()).isNull();
    assertThat(built.imageTag()).isEqualTo(tag(repo.commit()));
    InspectImageResponse image = docker.inspectImageCmd(built.imageTag()).exec();
    assertThat(image.getId()).isEqualTo(built.imageId());
    assertThat(image.getConfig().getLabels())
        .containsEntry("org.opencontainers.image.revision", repo.commit())
        .containsEntry("org.opencontainers.image.source", repo.path().toString())
        .containsEntry("dev.conveyor.workflow-id", workflowId);
    assertThat(heartbeats).contains("building " + tag(repo.commit()));

    PushResult pushed = push(built.imageTag());

    assertThat(pushed.digest()).startsWith("sha256:");
    assertThat(registry.digestOf(DockerRequired.registry() + "/" + name, repo.commit()))
        .contains(pushed.digest());
    assertThat(pushed.pinnedImage())
        .isEqualTo(DockerRequired.registry() + "/" + name + "@" + pushed.digest());
    assertThat(docker.inspectImageCmd(built.imageTag()).exec().getRepoDigests())
        .contains(pushed.pinnedImage());
  }

  @Test
  void skipsBuildWhenImageForCommitExists() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("web.git"), BusyboxImages.context().files());
    BuildResult first = activities.build(request(repo.path().toString(), repo.commit()));
    PushResult pushed = push(first.imageTag());
    TestDocker.removeImage(docker, first.imageTag());

    BuildResult second = activities.build(request(repo.path().toString(), repo.commit()));

    assertThat(second.reused()).isTrue();
    assertThat(second.digest()).isEqualTo(pushed.digest());
    assertThat(second.imageTag()).isEqualTo(first.imageTag());
    assertThatThrownBy(() -> docker.inspectImageCmd(first.imageTag()).exec())
        .as("nothing was built the second time")
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void rebuildingTheSameCommitGivesTheSameImageFromTheCache() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("web.git"), BusyboxImages.context().files());

    BuildResult first = activities.build(request(repo.path().toString(), repo.commit()));
    BuildResult again = activities.build(request(repo.path().toString(), repo.commit()));

    assertThat(again.reused()).isFalse();
    assertThat(again.imageId()).isEqualTo(first.imageId());
  }

  @Test
  void buildsAContextSubdirectoryOfANonBareRepoWithoutTouchingItsWorkingTree() throws Exception {
    SourceRepo repo =
        SourceRepos.withCommit(dir.resolve("web"), BusyboxImages.context().under("app").files());
    // Uncommitted junk in the working tree must not reach the build: the commit's tree is built.
    Files.writeString(repo.path().resolve("app/Dockerfile"), "FROM scratch\nBROKEN\n");

    BuildResult built =
        activities.build(
            new BuildRequest(
                repo.path().toString(),
                repo.commit(),
                "./Dockerfile",
                "app",
                tag(repo.commit()),
                workflowId));

    assertThat(built.reused()).isFalse();
    assertThat(docker.inspectImageCmd(built.imageTag()).exec().getConfig().getEntrypoint())
        .containsExactly("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www");
  }

  @Test
  void buildsFromAUrlThroughTheCloneCacheAndFetchesNewCommits() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("web.git"), BusyboxImages.context().files());
    String url = repo.path().toUri().toString();

    activities.build(request(url, repo.commit()));
    String second =
        SourceRepos.commit(
            repo.path(), BusyboxImages.context().withVersion("v2").files(), "second");
    BuildResult built = activities.build(request(url, second));

    assertThat(built.reused()).isFalse();
    assertThat(docker.inspectImageCmd(built.imageTag()).exec().getConfig().getLabels())
        .containsEntry("org.opencontainers.image.revision", second);
    assertThat(dir.resolve("data/source-cache"))
        .isDirectoryContaining(p -> p.getFileName().toString().startsWith("web-"));
  }

  @Test
  void missingDockerfileFailsTheBuildPermanently() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(
            dir.resolve("web.git"), BusyboxImages.context().filesWithoutDockerfile());

    assertBuildFailed(
        () -> activities.build(request(repo.path().toString(), repo.commit())),
        "Dockerfile 'Dockerfile' not found in context '.' at commit "
            + repo.commit().substring(0, 12));
  }

  @Test
  void missingCommitFailsTheBuildPermanently() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("web.git"), BusyboxImages.context().files());
    String absent = "0123456789abcdef0123456789abcdef01234567";

    assertBuildFailed(
        () -> activities.build(request(repo.path().toString(), absent)),
        "commit " + absent + " not found in source repo " + repo.path());
  }

  @Test
  void failingRunStepFailsTheBuildWithTheEnginesMessage() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(
            dir.resolve("web.git"),
            BusyboxImages.context()
                .withDockerfileLines("RUN [\"/bin/busybox\", \"false\"]")
                .files());

    assertBuildFailed(
        () -> activities.build(request(repo.path().toString(), repo.commit())),
        "returned a non-zero code: 1");
    assertThat(docker.listContainersCmd().withShowAll(true).exec())
        .noneMatch(c -> c.getCommand() != null && c.getCommand().contains("busybox false"));
  }

  @Test
  void unknownInstructionFailsTheBuildWithTheEnginesMessage() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(
            dir.resolve("web.git"), BusyboxImages.context().withDockerfileLines("FOO bar").files());

    assertBuildFailed(
        () -> activities.build(request(repo.path().toString(), repo.commit())),
        "unknown instruction: FOO");
  }

  @Test
  void pushOfATagThisEngineDoesNotHaveIsTransient() {
    assertThatThrownBy(() -> activities.push(new PushRequest(tag("never-built"), workflowId)))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            failure -> {
              assertThat(failure.isNonRetryable()).isFalse();
              assertThat(failure.getOriginalMessage())
                  .contains("docker push of " + tag("never-built") + " failed");
            });
  }

  private static void assertBuildFailed(ThrowingCallable call, String expectedMessagePart) {
    assertThatThrownBy(call)
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            failure -> {
              assertThat(failure.getType()).isEqualTo(FailureTypes.BUILD_FAILED);
              assertThat(failure.isNonRetryable()).isTrue();
              assertThat(failure.getOriginalMessage()).contains(expectedMessagePart);
            });
  }
}
