package dev.conveyor.worker.control;

import static dev.conveyor.activities.testing.GitCli.git;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.simulators.ConsulSimulator;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.worker.testing.RunningWorker;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollback and abort on the Marathon target through the real worker: real Docker build and push to
 * the test registry, a bare config repo checked with the git CLI, Consul and Marathon simulators, a
 * webhook sink. A release whose health never passes is the simulator's per-image fault; the
 * assertions read Marathon's state back through its API: one version, every task on it, its image
 * the old or the new one, never a mix.
 */
@RequiresDocker
class MarathonControlEndToEndTests {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REGISTRY = DockerRequired.registry() + "/conveyor-test";
  private static final String REQUESTED_BY = "e2e-test";
  private static final String BROKEN_CAUSE = "HTTP 404 from /health (simulated broken release)";

  @TempDir static Path dataDir;
  private static RunningWorker worker;

  @TempDir Path repos;
  @StartStop private final MockWebServer sink = new MockWebServer();

  private final String service = TestDocker.uniqueName("ctl");
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
  private final List<String> digests = new ArrayList<>();
  private final List<String> tags = new ArrayList<>();
  private MarathonSimulator marathon;
  private ConsulSimulator consul;
  private Path sourceRepo;
  private Path configRepo;

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

  @BeforeEach
  void createTheWorld() {
    marathon =
        MarathonSimulator.start()
            .deploymentDuration(Duration.ofMillis(500))
            .tasksHealthyAfter(Duration.ofSeconds(1));
    consul = ConsulSimulator.start();
    sink.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(200).body("{\"ok\":true}").build();
          }
        });
    sourceRepo =
        SourceRepos.bareWithCommit(
                repos.resolve(service + ".git"), BusyboxImages.context().withVersion("v1").files())
            .path();
    configRepo =
        SourceRepos.bareWithCommit(
                repos.resolve("config.git"),
                Map.of(
                    "conveyor.yaml",
                    RepoFile.text(conveyorYaml()),
                    "marathon/" + service + ".json",
                    RepoFile.text(appTemplate())))
            .path();
  }

  @AfterEach
  void removeWhatTheTestMade() throws IOException {
    try (DockerClient docker = TestDocker.client()) {
      tags.forEach(tag -> TestDocker.removeImage(docker, tag));
      digests.forEach(d -> TestDocker.deleteFromRegistry("conveyor-test/" + service, d));
    } finally {
      marathon.close();
      consul.close();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  @Test
  @Timeout(180)
  void marathonTargetRollsBackByItselfToThePreviousVersionWhenTheHealthGateFails()
      throws Exception {
    String first = git(sourceRepo, "rev-parse", "main").strip();
    DeployResult v1 = result(start("stage", first));
    String broken = commitBrokenVersion();
    marathon.imagesNeverHealthy(image -> !image.equals(v1.image()), BROKEN_CAUSE);
    int configCommitsBefore = configCommitCount();

    ApplicationFailure failure = failure(start("stage", broken));

    // the deployment ends rolled back, naming why
    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ROLLED_BACK);
    assertThat(failure.getOriginalMessage())
        .startsWith("rolled back: health gate failed: ")
        .contains(BROKEN_CAUSE);

    // Marathon: the previous version was redeployed by its version id and is all that runs
    List<JsonNode> puts = marathon.putBodies("/" + service);
    assertThat(puts).hasSize(3);
    assertThat(puts.get(2)).isEqualTo(JSON.readTree("{\"version\":\"" + v1.appVersion() + "\"}"));
    onlyVersionRunning(v1.image());
    assertThat(marathon.requests()).noneMatch(r -> r.getMethod().equals("DELETE"));

    // KV: back on v1; previous names the rolled-back image
    assertThat(consul.value("conveyor/stage/" + service + "/image")).contains(v1.image());
    assertThat(consul.value("conveyor/stage/" + service + "/commit")).contains(first);
    assertThat(consul.value("conveyor/stage/" + service + "/previous"))
        .hasValueSatisfying(p -> assertThat(p).isNotEqualTo(v1.image()).contains("@sha256:"));

    // config repo: the deploy commit of the broken version, then exactly one rollback commit
    assertThat(configCommitCount()).isEqualTo(configCommitsBefore + 2);
    assertThat(git(configRepo, "log", "--format=%s", "main").lines())
        .filteredOn(l -> l.startsWith("rollback "))
        .containsExactly("rollback " + service + " to " + first.substring(0, 12) + " in stage");
    String head = git(configRepo, "rev-parse", "main").strip();
    assertThat(committedImage(head)).isEqualTo(v1.image());
    assertThat(git(configRepo, "log", "-1", "--format=%(trailers:only,unfold)", head))
        .contains("Conveyor-Requested-By: conveyor (rollback: auto)")
        .contains("Conveyor-Reason: health gate failed: ")
        .contains("Conveyor-Image: " + v1.image());
    git(configRepo, "fsck", "--strict");

    // notifications: v1 succeeded, then rolled back and why
    assertThat(sink.getRequestCount()).isEqualTo(2);
    sink.takeRequest(1, TimeUnit.SECONDS);
    JsonNode rolledBack = JSON.readTree(sink.takeRequest(1, TimeUnit.SECONDS).getBody().utf8());
    assertThat(rolledBack.path("outcome").asText()).isEqualTo("ROLLED_BACK");
    assertThat(rolledBack.path("reason").asText())
        .contains("health gate failed")
        .contains(BROKEN_CAUSE);
    assertThat(rolledBack.path("image").asText()).isEqualTo(v1.image());
  }

  @Test
  @Timeout(180)
  void abortDuringTheHealthGateLeavesMarathonOnTheOldVersionOnly() throws Exception {
    String first = git(sourceRepo, "rev-parse", "main").strip();
    DeployResult v1 = result(start("stage", first));
    String broken = commitBrokenVersion();
    marathon.imagesNeverHealthy(image -> !image.equals(v1.image()), BROKEN_CAUSE);

    WorkflowStub deployment = start("stage", broken);
    ServiceDeploymentWorkflow typed =
        worker.client().newWorkflowStub(ServiceDeploymentWorkflow.class, id("stage", broken));
    awaitStatus(
        typed,
        s ->
            s.steps().stream()
                .anyMatch(t -> t.step() == Step.HEALTH && t.state() == StepState.RUNNING));
    typed.abort(new OperatorAction("error rate up", "oncall-bob"));

    ApplicationFailure failure = failure(deployment);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .startsWith("aborted by oncall-bob: error rate up, during step health; back on ")
        .contains(v1.image());
    onlyVersionRunning(v1.image());
    assertThat(marathon.requests()).noneMatch(r -> r.getMethod().equals("DELETE"));
    assertThat(consul.value("conveyor/stage/" + service + "/image")).contains(v1.image());
    assertThat(committedImage(git(configRepo, "rev-parse", "main").strip())).isEqualTo(v1.image());
    JsonNode aborted = lastNotification(2);
    assertThat(aborted.path("outcome").asText()).isEqualTo("ABORTED");
    assertThat(aborted.path("reason").asText()).contains("oncall-bob").contains("error rate up");
  }

  @Test
  @Timeout(180)
  void abortInTheBakeWindowLeavesMarathonOnTheNewVersionOnly() throws Exception {
    String first = git(sourceRepo, "rev-parse", "main").strip();
    result(start("stage", first));
    String second =
        SourceRepos.commit(
            sourceRepo, BusyboxImages.context().withVersion("v2").files(), "version 2");

    WorkflowStub deployment = start("live", second);
    ServiceDeploymentWorkflow typed =
        worker.client().newWorkflowStub(ServiceDeploymentWorkflow.class, id("live", second));
    awaitStatus(typed, s -> ServiceDeploymentWorkflowImpl.BAKING.equals(s.outcome()));
    typed.abort(new OperatorAction("seen enough", "oncall-bob"));

    DeployResult v2 = deployment.getResult(30, TimeUnit.SECONDS, DeployResult.class);
    digests.add(v2.digest());

    assertThat(v2.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    onlyVersionRunning(v2.image());
    assertThat(consul.value("conveyor/live/" + service + "/image")).contains(v2.image());
  }

  /** Marathon runs one version of the app, every task on it and healthy, with {@code image}. */
  private void onlyVersionRunning(String image) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!marathon.activeDeployments().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(marathon.activeDeployments()).as("no rollout left running").isEmpty();
    JsonNode app = marathonGet("/v2/apps/" + service + "?embed=app.tasks").path("app");
    assertThat(app.at("/container/docker/image").asText()).isEqualTo(image);
    String version = app.path("version").asText();
    Set<String> taskVersions = new HashSet<>();
    app.path("tasks").forEach(t -> taskVersions.add(t.path("version").asText()));
    assertThat(taskVersions).as("every task on the app's version").containsExactly(version);
    assertThat(app.path("tasksHealthy").asInt()).isEqualTo(app.path("instances").asInt());
    JsonNode stored = marathonGet("/v2/apps/" + service + "/versions/" + version);
    assertThat(stored.at("/container/docker/image").asText()).isEqualTo(image);
  }

  private JsonNode marathonGet(String path) throws IOException {
    try (Response response =
        http.newCall(new Request.Builder().url(marathon.url() + path).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      return JSON.readTree(response.body().string());
    }
  }

  private String commitBrokenVersion() {
    return SourceRepos.commit(
        sourceRepo,
        BusyboxImages.context().withVersion("v2").withoutHealthFile().files(),
        "version 2 without its health file");
  }

  private String id(String env, String commit) {
    return WorkflowIds.deployment(env, service, commit);
  }

  private WorkflowStub start(String env, String commit) {
    tags.add(REGISTRY + "/" + service + ":" + commit);
    ServiceDeploymentWorkflow workflow =
        worker
            .client()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id(env, commit))
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(150))
                    .build());
    WorkflowClient.start(
        workflow::deploy,
        new DeployRequest(configRepo.toString(), env, service, commit, REQUESTED_BY, false));
    return WorkflowStub.fromTyped(workflow);
  }

  private DeployResult result(WorkflowStub stub) {
    DeployResult result = stub.getResult(DeployResult.class);
    digests.add(result.digest());
    return result;
  }

  private static ApplicationFailure failure(WorkflowStub stub) {
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(() -> stub.getResult(DeployResult.class));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    return (ApplicationFailure) thrown.getCause();
  }

  private static void awaitStatus(ServiceDeploymentWorkflow workflow, Predicate<DeployStatus> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      DeployStatus status = workflow.status();
      if (status != null && done.test(status)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("status never matched: " + workflow.status());
  }

  private int configCommitCount() {
    return Integer.parseInt(git(configRepo, "rev-list", "--count", "main").strip());
  }

  private String committedImage(String commit) throws IOException {
    String path = git(configRepo, "show", "--name-only", "--format=", commit).strip();
    JsonNode app = JSON.readTree(git(configRepo, "show", commit + ":" + path));
    return app.at("/container/docker/image").asText();
  }

  private JsonNode lastNotification(int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sink.getRequestCount() < expected && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(sink.getRequestCount()).isEqualTo(expected);
    RecordedRequest last = null;
    for (int i = 0; i < expected; i++) {
      last = sink.takeRequest(1, TimeUnit.SECONDS);
    }
    return JSON.readTree(last.getBody().utf8());
  }

  /**
   * {@code stage} and {@code live} both on the Marathon simulator with {@code rollback: auto};
   * {@code live} keeps a long bake window (abort ends it), {@code stage} a short one.
   */
  private String conveyorYaml() {
    String target = "    marathon: { url: \"" + marathon.url() + "\" }";
    String kv = "    consul: { url: \"" + consul.url() + "\" }";
    return String.join(
        "\n",
        "version: 1",
        "registry: " + REGISTRY,
        "environments:",
        "  stage:",
        "    target: marathon",
        "    bake: 1s",
        "    rollback: auto",
        target,
        kv,
        "  live:",
        "    target: marathon",
        "    bake: 10m",
        "    rollback: auto",
        target,
        kv,
        "services:",
        "  " + service + ":",
        "    repo: ../" + service + ".git",
        "    app: marathon/" + service + ".json",
        "    health: { path: "
            + BusyboxImages.HEALTH_PATH
            + ", port: "
            + BusyboxImages.HTTP_PORT
            + ", timeout: 15s }",
        "notify:",
        "  - { type: webhook, url: \"" + sink.url("/hooks/deployments") + "\" }",
        "");
  }

  private String appTemplate() {
    return """
        {
          "id": "/%s",
          "instances": 2,
          "cpus": 0.1,
          "mem": 32,
          "container": {
            "type": "DOCKER",
            "docker": {
              "image": "",
              "network": "BRIDGE",
              "portMappings": [ { "containerPort": %d, "hostPort": 0, "protocol": "tcp" } ]
            }
          },
          "healthChecks": [ { "protocol": "HTTP", "path": "%s", "portIndex": 0 } ]
        }
        """
        .formatted(service, BusyboxImages.HTTP_PORT, BusyboxImages.HEALTH_PATH);
  }
}
