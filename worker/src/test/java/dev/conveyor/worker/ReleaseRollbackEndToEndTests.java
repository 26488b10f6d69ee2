package dev.conveyor.worker;

import static dev.conveyor.activities.testing.GitCli.git;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.worker.testing.RunningWorker;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import dev.conveyor.workflows.release.StackReleaseWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release of a two-service chain ({@code api -> db}) through the worker application on the
 * machine's Docker engine and registry with real Git repos, rolled back by signal in its bake
 * window: the config repo's log shows the rollback commit of the dependent (api) before the one of
 * its dependency (db), and both containers run the first release's images again.
 */
@RequiresDocker
class ReleaseRollbackEndToEndTests {
  private static final String REGISTRY = DockerRequired.registry() + "/conveyor-test";

  @TempDir static Path dataDir;
  private static RunningWorker worker;

  @TempDir Path repos;

  private final String prefix = TestDocker.uniqueName("rrb");
  private final String db = prefix + "-db";
  private final String api = prefix + "-api";
  private final DockerClient docker = TestDocker.client();
  private final List<ReleaseResult> results = new ArrayList<>();
  private final List<String> commits = new ArrayList<>();

  @BeforeAll
  static void startWorker() {
    worker = RunningWorker.start(dataDir);
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
  }

  @AfterEach
  void removeWhatTheTestMade() throws IOException {
    try {
      for (String service : List.of(db, api)) {
        TestDocker.removeContainers(docker, "dev.conveyor.service", service);
        for (String commit : commits) {
          TestDocker.removeImage(docker, REGISTRY + "/" + service + ":" + commit);
        }
      }
      for (ReleaseResult result : results) {
        for (ServiceRelease service : result.services()) {
          if (service.digest() != null) {
            TestDocker.deleteFromRegistry("conveyor-test/" + service.service(), service.digest());
          }
        }
      }
    } finally {
      docker.close();
    }
  }

  @Test
  @Timeout(420)
  void aReleaseRolledBackInItsBakeWindowRestoresTheDependentFirst() throws Exception {
    Path source =
        SourceRepos.bareWithCommit(
                repos.resolve("shop.git"), BusyboxImages.context().withVersion("v1").files())
            .path();
    commits.add(git(source, "rev-parse", "main").strip());
    Map<String, RepoFile> config = new HashMap<>();
    config.put("conveyor.yaml", RepoFile.text(conveyorYaml()));
    for (String service : List.of(db, api)) {
      config.put(
          "marathon/" + service + ".json",
          RepoFile.text(
              "{ \"id\": \"/"
                  + service
                  + "\", \"container\": { \"docker\": { \"image\": \"\" } } }"));
    }
    Path configRepo = SourceRepos.bareWithCommit(repos.resolve("config.git"), config).path();

    // v1 everywhere: the versions a rollback returns to
    StackReleaseWorkflow first = start(configRepo, "r1", 0);
    ReleaseResult v1 = WorkflowStub.fromTyped(first).getResult(ReleaseResult.class);
    results.add(v1);
    assertThat(v1.outcome()).isEqualTo("SUCCEEDED");

    commits.add(
        SourceRepos.commit(source, BusyboxImages.context().withVersion("v2").files(), "version 2"));
    StackReleaseWorkflow second = start(configRepo, "r2", 300);
    awaitBaking(second);
    String headBefore = git(configRepo, "rev-parse", "main").strip();

    second.rollback(new RollbackRequest("error rate up", "e2e-test"));

    WorkflowFailedException failed =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            WorkflowFailedException.class,
            () -> WorkflowStub.fromTyped(second).getResult(ReleaseResult.class));
    assertThat(failed).isNotNull();
    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getType()).isEqualTo(StackReleaseWorkflowImpl.RELEASE_ROLLED_BACK);
    ReleaseResult rolledBack = failure.getDetails().get(ReleaseResult.class);
    results.add(rolledBack);
    Map<String, ServiceRelease> byService =
        rolledBack.services().stream()
            .collect(Collectors.toMap(ServiceRelease::service, Function.identity()));
    assertThat(byService.get(api).state()).isEqualTo(ServiceState.ROLLED_BACK);
    assertThat(byService.get(db).state()).isEqualTo(ServiceState.ROLLED_BACK);

    // the config repo: two rollback commits since the bake began, the dependent's first
    List<String> subjects =
        git(configRepo, "log", "--format=%s", headBefore + "..main").lines().toList();
    assertThat(subjects)
        .as("newest first")
        .containsExactly(
            "rollback " + db + " to " + shortCommit(v1, db) + " in qa",
            "rollback " + api + " to " + shortCommit(v1, api) + " in qa");
    assertThat(git(configRepo, "log", "-1", "--format=%(trailers:only,unfold)", "main"))
        .contains("Conveyor-Requested-By: e2e-test")
        .contains(
            "Conveyor-Reason: rollback of release " + WorkflowIds.release("qa", prefix, "r2"));
    git(configRepo, "fsck", "--strict");

    // both run the first release's images again
    Map<String, ServiceRelease> firstImages =
        v1.services().stream()
            .collect(Collectors.toMap(ServiceRelease::service, Function.identity()));
    for (String service : List.of(db, api)) {
      assertThat(runningContainer(service).getLabels())
          .containsEntry("dev.conveyor.digest", firstImages.get(service).digest());
    }
  }

  /** The short source commit the first release deployed for {@code service}. */
  private static String shortCommit(ReleaseResult first, String service) {
    return first.services().stream()
        .filter(s -> s.service().equals(service))
        .findFirst()
        .orElseThrow()
        .commit()
        .substring(0, 12);
  }

  private StackReleaseWorkflow start(Path configRepo, String id, long bakeSeconds) {
    StackReleaseWorkflow release =
        worker
            .client()
            .newWorkflowStub(
                StackReleaseWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(WorkflowIds.release("qa", prefix, id))
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(400))
                    .build());
    WorkflowClient.start(
        release::release,
        new ReleaseRequest(
            configRepo.toString(),
            "qa",
            prefix,
            List.of(),
            Map.of(),
            "e2e-test",
            false,
            0,
            0,
            null,
            bakeSeconds));
    return release;
  }

  private static void awaitBaking(StackReleaseWorkflow release) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(200);
    while (!"BAKING".equals(release.status().outcome())) {
      assertThat(release.status().outcome()).as("the second release").isIn("RUNNING", "BAKING");
      assertThat(System.nanoTime()).as("baking within 200 s").isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  private Container runningContainer(String service) {
    List<Container> containers =
        docker
            .listContainersCmd()
            .withLabelFilter(Map.of("dev.conveyor.service", service, "dev.conveyor.env", "qa"))
            .exec();
    assertThat(containers).as("running containers of %s", service).hasSize(1);
    return containers.get(0);
  }

  private String conveyorYaml() {
    String health =
        "    health: { path: "
            + BusyboxImages.HEALTH_PATH
            + ", port: "
            + BusyboxImages.HTTP_PORT
            + ", timeout: 45s }";
    return String.join(
        "\n",
        "version: 1",
        "registry: " + REGISTRY,
        "environments:",
        "  qa:",
        "    target: docker",
        "services:",
        "  " + db + ":",
        "    repo: ../shop.git",
        "    app: marathon/" + db + ".json",
        health,
        "  " + api + ":",
        "    repo: ../shop.git",
        "    app: marathon/" + api + ".json",
        "    dependsOn: [" + db + "]",
        health,
        "stacks:",
        "  " + prefix + ": [" + api + ", " + db + "]",
        "");
  }
}
