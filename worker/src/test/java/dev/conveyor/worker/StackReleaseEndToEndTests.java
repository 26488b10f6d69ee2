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
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepStatus;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One release of a three-service chain ({@code web -> api -> db}) through the worker application on
 * the machine's Docker engine and registry, with real Git repos: every member is planned at its
 * default-branch head, built, pushed and run as a container, and each container starts only after
 * its dependency passed its health gate (container start times from the engine against the
 * health-pass times the release returns).
 */
@RequiresDocker
class StackReleaseEndToEndTests {
  private static final String REGISTRY = DockerRequired.registry() + "/conveyor-test";

  @TempDir static Path dataDir;
  private static RunningWorker worker;

  @TempDir Path repos;

  private final String prefix = TestDocker.uniqueName("rel");
  private final String db = prefix + "-db";
  private final String api = prefix + "-api";
  private final String web = prefix + "-web";
  private final DockerClient docker = TestDocker.client();
  private ReleaseResult result;
  private String commit;

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
      for (String service : List.of(db, api, web)) {
        TestDocker.removeContainers(docker, "dev.conveyor.service", service);
        if (commit != null) {
          TestDocker.removeImage(docker, REGISTRY + "/" + service + ":" + commit);
        }
      }
      if (result != null) {
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
  @Timeout(240)
  void aChainIsReleasedTogetherAndEachContainerStartsAfterItsDependencyIsHealthy() {
    Path source =
        SourceRepos.bareWithCommit(
                repos.resolve("shop.git"), BusyboxImages.context().withVersion("v1").files())
            .path();
    commit = git(source, "rev-parse", "main").strip();
    Map<String, RepoFile> config = new HashMap<>();
    config.put("conveyor.yaml", RepoFile.text(conveyorYaml()));
    for (String service : List.of(db, api, web)) {
      config.put(
          "marathon/" + service + ".json",
          RepoFile.text(
              "{ \"id\": \"/"
                  + service
                  + "\", \"container\": { \"docker\": { \"image\": \"\" } } }"));
    }
    Path configRepo = SourceRepos.bareWithCommit(repos.resolve("config.git"), config).path();

    String id = WorkflowIds.release("qa", prefix, "r1");
    StackReleaseWorkflow release =
        worker
            .client()
            .newWorkflowStub(
                StackReleaseWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(220))
                    .build());
    WorkflowClient.start(
        release::release,
        new ReleaseRequest(
            configRepo.toString(), "qa", prefix, List.of(), Map.of(), "e2e-test", false, 0, 0));
    result = WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);

    assertThat(result.outcome()).isEqualTo("SUCCEEDED");
    Map<String, ServiceRelease> byService =
        result.services().stream()
            .collect(Collectors.toMap(ServiceRelease::service, Function.identity()));
    assertThat(result.services())
        .extracting(ServiceRelease::service)
        .as("start order: dependencies first")
        .containsExactly(db, api, web);
    for (String service : List.of(db, api, web)) {
      ServiceRelease released = byService.get(service);
      assertThat(released.state()).isEqualTo(ServiceState.SUCCEEDED);
      assertThat(released.commit()).as("the default branch head").isEqualTo(commit);
      assertThat(released.image()).isEqualTo(REGISTRY + "/" + service + "@" + released.digest());
      Container container = runningContainer(service);
      assertThat(container.getLabels()).containsEntry("dev.conveyor.digest", released.digest());
    }
    assertStartedAfterHealthy(api, byService.get(db));
    assertStartedAfterHealthy(web, byService.get(api));
  }

  /** {@code service}'s container started after {@code dependency} passed its health gate. */
  private void assertStartedAfterHealthy(String service, ServiceRelease dependency) {
    long healthy =
        dependency.steps().stream()
            .filter(s -> s.step() == Step.HEALTH)
            .mapToLong(StepStatus::endedAt)
            .findFirst()
            .orElseThrow();
    assertThat(healthy).isPositive();
    Instant started =
        Instant.parse(
            docker
                .inspectContainerCmd(runningContainer(service).getId())
                .exec()
                .getState()
                .getStartedAt());
    assertThat(started.toEpochMilli())
        .as("%s's container started after %s passed its health gate", service, dependency.service())
        .isGreaterThanOrEqualTo(healthy);
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
        "  " + web + ":",
        "    repo: ../shop.git",
        "    app: marathon/" + web + ".json",
        "    dependsOn: [" + api + "]",
        health,
        "stacks:",
        "  " + prefix + ": [" + web + ", " + api + ", " + db + "]",
        "");
  }
}
