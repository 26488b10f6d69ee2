package dev.conveyor.worker;

import static dev.conveyor.activities.testing.GitCli.git;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
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
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One commit through all eight steps with nothing stubbed inside the worker: the worker application
 * (its real context and beans) on Temporal's test server in real time, the machine's Docker engine
 * and registry, bare Git repos on disk checked with the git CLI, the Consul and Marathon
 * simulators, and a webhook sink for the notification.
 *
 * <p>Each test deploys its own service (a unique name), so the registry repository, KV keys,
 * Marathon app and containers are its own; it removes its containers, images and manifests after.
 */
@RequiresDocker
class ServiceDeploymentEndToEndTests {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REGISTRY = DockerRequired.registry() + "/conveyor-test";
  private static final String REQUESTED_BY = "e2e-test";
  private static final String MANIFEST_TYPES =
      String.join(
          ", ",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json");

  @TempDir static Path dataDir;

  private static RunningWorker worker;

  @TempDir Path repos;

  @StartStop private final MockWebServer sink = new MockWebServer();

  private final String service = TestDocker.uniqueName("e2e");
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
  private final List<DeployResult> deployed = new ArrayList<>();
  private final List<String> tags = new ArrayList<>();
  private MarathonSimulator marathon;
  private ConsulSimulator consul;
  private DockerClient docker;
  private Path sourceRepo;
  private Path configRepo;
  private String qaExtra = "";
  private String healthTimeout = "45s";

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
    docker = TestDocker.client();
    // Deployments that take a moment and tasks that turn healthy a little later, so the health
    // gate really waits for Marathon.
    marathon =
        MarathonSimulator.start()
            .deploymentDuration(Duration.ofMillis(1500))
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
  void removeWhatTheTestMade() {
    try {
      TestDocker.removeContainers(docker, "dev.conveyor.service", service);
      tags.forEach(tag -> TestDocker.removeImage(docker, tag));
      for (DeployResult result : deployed) {
        TestDocker.deleteFromRegistry("conveyor-test/" + service, result.digest());
      }
    } finally {
      marathon.close();
      consul.close();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      try {
        docker.close();
      } catch (IOException e) {
        // closing a client cannot fail the test
      }
    }
  }

  @Test
  @Timeout(120)
  void commitGoesThroughAllEightStepsToMarathon() throws Exception {
    String commit = git(sourceRepo, "rev-parse", "main").strip();
    String repository = REGISTRY + "/" + service;

    DeployResult result = deploy("prod", commit);

    // every step ran, push included (a fresh image)
    assertThat(result.steps())
        .extracting(StepStatus::step, StepStatus::state)
        .containsExactly(
            stepDone(Step.RESOLVE),
            stepDone(Step.BUILD),
            stepDone(Step.PUSH),
            stepDone(Step.KV),
            stepDone(Step.COMMIT),
            stepDone(Step.DEPLOY),
            stepDone(Step.HEALTH),
            stepDone(Step.NOTIFY));
    assertThat(result.reused()).isFalse();
    String pinned = repository + "@" + result.digest();
    assertThat(result.image()).isEqualTo(pinned);
    assertThat(result.workflowId()).isEqualTo(WorkflowIds.deployment("prod", service, commit));

    // push: the registry's digest for the tag is the one every later step used
    assertThat(registryDigest("conveyor-test/" + service, commit)).contains(result.digest());

    // kv: Consul holds the pinned image and the commit
    assertThat(consul.value("conveyor/prod/" + service + "/image")).contains(pinned);
    assertThat(consul.value("conveyor/prod/" + service + "/commit")).contains(commit);

    // commit: exactly one new config commit, holding the pinned image, with its trailers
    assertThat(git(configRepo, "rev-list", "--count", "main").strip()).isEqualTo("2");
    String head = git(configRepo, "rev-parse", "main").strip();
    assertThat(result.configCommit()).isEqualTo(head);
    assertThat(result.definitionsCommit()).isEqualTo(git(configRepo, "rev-parse", "main^").strip());
    JsonNode committed =
        JSON.readTree(git(configRepo, "show", head + ":marathon/prod/" + service + ".json"));
    assertThat(committed.path("id").asText()).isEqualTo("/" + service);
    assertThat(committed.path("container").path("docker").path("image").asText()).isEqualTo(pinned);
    assertThat(git(configRepo, "log", "-1", "--format=%s", head).strip())
        .isEqualTo("deploy " + service + " " + commit.substring(0, 12) + " to prod");
    assertThat(git(configRepo, "log", "-1", "--format=%(trailers:only,unfold)", head))
        .contains("Conveyor-Workflow-Id: " + result.workflowId())
        .contains("Conveyor-Commit: " + commit)
        .contains("Conveyor-Image: " + pinned)
        .contains("Conveyor-Requested-By: " + REQUESTED_BY);
    git(configRepo, "fsck", "--strict");

    // deploy: Marathon got one PUT with the committed definition
    List<JsonNode> puts = marathon.putBodies("/" + service);
    assertThat(puts).hasSize(1);
    assertThat(puts.get(0).path("container").path("docker").path("image").asText())
        .isEqualTo(pinned);
    assertThat(puts.get(0).path("id").asText()).isEqualTo("/" + service);
    assertThat(result.deploymentId()).isNotBlank();
    assertThat(result.appVersion()).isNotBlank();

    // notify: exactly one notification, with the idempotency key
    assertThat(sink.getRequestCount()).isEqualTo(1);
    RecordedRequest notification = sink.takeRequest(1, TimeUnit.SECONDS);
    assertThat(notification).isNotNull();
    assertThat(notification.getUrl().encodedPath()).isEqualTo("/hooks/deployments");
    assertThat(notification.getHeaders().get("Idempotency-Key"))
        .isEqualTo(result.workflowId() + "/succeeded/0");
    JsonNode body = JSON.readTree(notification.getBody().utf8());
    assertThat(body.path("outcome").asText()).isEqualTo("SUCCEEDED");
    assertThat(body.path("service").asText()).isEqualTo(service);
    assertThat(body.path("env").asText()).isEqualTo("prod");
    assertThat(body.path("commit").asText()).isEqualTo(commit);
    assertThat(body.path("image").asText()).isEqualTo(pinned);
    assertThat(body.path("digest").asText()).isEqualTo(result.digest());
    assertThat(body.path("requestedBy").asText()).isEqualTo(REQUESTED_BY);
  }

  @Test
  @Timeout(120)
  void dockerTargetServesTheCommitAndReplacesItStartFirst() throws Exception {
    String first = git(sourceRepo, "rev-parse", "main").strip();

    DeployResult v1 = deploy("qa", first);

    Container one = onlyContainer();
    assertThat(one.getNames()).containsExactly("/conveyor-qa-" + service + "-1");
    assertThat(one.getState()).isEqualTo("running");
    assertThat(one.getLabels())
        .containsEntry("dev.conveyor.env", "qa")
        .containsEntry("dev.conveyor.commit", first)
        .containsEntry("dev.conveyor.digest", v1.digest());
    assertThat(get(one, BusyboxImages.HEALTH_PATH)).isEqualTo("200 ok");
    assertThat(get(one, "/version")).isEqualTo("200 v1");
    assertThat(v1.previousImage()).isNull();
    assertThat(marathon.requests()).as("the docker target never calls Marathon").isEmpty();

    String second =
        SourceRepos.commit(
            sourceRepo, BusyboxImages.context().withVersion("v2").files(), "version 2");
    Instant before = Instant.now();
    ServingWatch watch = new ServingWatch();
    Thread watcher = new Thread(watch, "serving-watch");
    watcher.start();
    DeployResult v2;
    try {
      v2 = deploy("qa", second);
    } finally {
      watch.stop();
      watcher.join(10_000);
    }
    Instant after = Instant.now();

    assertThat(v2.digest()).isNotEqualTo(v1.digest());
    assertThat(v2.previousImage()).isEqualTo(v1.image());
    Container two = onlyContainer();
    assertThat(two.getNames()).containsExactly("/conveyor-qa-" + service + "-2");
    assertThat(two.getLabels())
        .containsEntry("dev.conveyor.commit", second)
        .containsEntry("dev.conveyor.digest", v2.digest());
    assertThat(get(two, "/version")).isEqualTo("200 v2");

    // start-first: something served throughout, and the old container went only after the
    // new one had started and passed the health gate
    assertThat(watch.looks()).isPositive();
    assertThat(watch.sawNothingRunning()).as("a moment with no running container").isFalse();
    List<Event> events = containerEvents(before, after);
    long newStarted = firstEvent(events, 2, List.of("start"));
    long oldStopping = firstEvent(events, 1, List.of("kill", "stop", "die", "destroy"));
    long healthDone =
        v2.steps().stream()
            .filter(s -> s.step() == Step.HEALTH)
            .findFirst()
            .orElseThrow()
            .endedAt();
    assertThat(newStarted).isLessThan(oldStopping);
    assertThat(TimeUnit.NANOSECONDS.toMillis(oldStopping)).isGreaterThanOrEqualTo(healthDone);
    assertThat(events)
        .filteredOn(e -> "destroy".equals(e.getAction()))
        .extracting(e -> e.getActor().getAttributes().get("name"))
        .containsExactly("conveyor-qa-" + service + "-1");

    // one notification per deployment, each with its own key
    assertThat(sink.getRequestCount()).isEqualTo(2);
    assertThat(sink.takeRequest(1, TimeUnit.SECONDS).getHeaders().get("Idempotency-Key"))
        .isEqualTo(v1.workflowId() + "/succeeded/0");
    assertThat(sink.takeRequest(1, TimeUnit.SECONDS).getHeaders().get("Idempotency-Key"))
        .isEqualTo(v2.workflowId() + "/succeeded/0");
  }

  @Test
  @Timeout(150)
  void dockerTargetRollsBackACommitWhoseHealthGateFailsWhileTheOldContainerServes()
      throws Exception {
    qaExtra = "    consul: { url: \"" + consul.url() + "\" }\n    rollback: auto";
    healthTimeout = "8s";
    SourceRepos.commit(
        configRepo,
        Map.of(
            "conveyor.yaml",
            RepoFile.text(conveyorYaml()),
            "marathon/" + service + ".json",
            RepoFile.text(appTemplate())),
        "qa: auto rollback");
    String first = git(sourceRepo, "rev-parse", "main").strip();
    DeployResult v1 = deploy("qa", first);
    String broken =
        SourceRepos.commit(
            sourceRepo,
            BusyboxImages.context().withVersion("v2").withoutHealthFile().files(),
            "version 2 without its health file");
    int configCommitsBefore =
        Integer.parseInt(git(configRepo, "rev-list", "--count", "main").strip());

    ServingWatch watch = new ServingWatch();
    Thread watcher = new Thread(watch, "serving-watch");
    watcher.start();
    Throwable thrown;
    try {
      thrown = org.assertj.core.api.Assertions.catchThrowable(() -> deploy("qa", broken));
    } finally {
      watch.stop();
      watcher.join(10_000);
    }

    // the deployment ends rolled back, naming why
    assertThat(thrown).isInstanceOf(io.temporal.client.WorkflowFailedException.class);
    io.temporal.failure.ApplicationFailure failure =
        (io.temporal.failure.ApplicationFailure) thrown.getCause();
    assertThat(failure.getType()).isEqualTo("RolledBack");
    assertThat(failure.getOriginalMessage()).startsWith("rolled back: health gate failed: ");

    // something served throughout, and what serves now is v1 again
    assertThat(watch.looks()).isPositive();
    assertThat(watch.sawNothingRunning()).as("a moment with no running container").isFalse();
    Container live = onlyContainer();
    assertThat(live.getLabels()).containsEntry("dev.conveyor.digest", v1.digest());
    assertThat(get(live, "/version")).isEqualTo("200 v1");

    // KV: back on v1, previous names the rolled-back image
    assertThat(consul.value("conveyor/qa/" + service + "/image")).contains(v1.image());
    assertThat(consul.value("conveyor/qa/" + service + "/commit")).contains(first);
    assertThat(consul.value("conveyor/qa/" + service + "/previous"))
        .hasValueSatisfying(p -> assertThat(p).isNotEqualTo(v1.image()).contains("@sha256:"));

    // config repo: the deploy commit of v2, then exactly one rollback commit restoring v1
    assertThat(git(configRepo, "rev-list", "--count", "main").strip())
        .isEqualTo(Integer.toString(configCommitsBefore + 2));
    assertThat(git(configRepo, "log", "--format=%s", "main").lines())
        .filteredOn(l -> l.startsWith("rollback "))
        .containsExactly("rollback " + service + " to " + first.substring(0, 12) + " in qa");
    String head = git(configRepo, "rev-parse", "main").strip();
    JsonNode restored =
        JSON.readTree(git(configRepo, "show", head + ":marathon/qa/" + service + ".json"));
    assertThat(restored.path("container").path("docker").path("image").asText())
        .isEqualTo(v1.image());
    assertThat(git(configRepo, "log", "-1", "--format=%(trailers:only,unfold)", head))
        .contains("Conveyor-Rollback-Of: " + git(configRepo, "rev-parse", "main^").strip())
        .contains("Conveyor-Requested-By: conveyor (rollback: auto)")
        .contains("Conveyor-Reason: health gate failed: ")
        .contains("Conveyor-Image: " + v1.image());
    git(configRepo, "fsck", "--strict");

    // notifications: v1 succeeded, v2 rolled back and why
    assertThat(sink.getRequestCount()).isEqualTo(2);
    sink.takeRequest(1, TimeUnit.SECONDS);
    JsonNode rolledBack = JSON.readTree(sink.takeRequest(1, TimeUnit.SECONDS).getBody().utf8());
    assertThat(rolledBack.path("outcome").asText()).isEqualTo("ROLLED_BACK");
    assertThat(rolledBack.path("reason").asText()).contains("health gate failed");
    assertThat(rolledBack.path("image").asText()).isEqualTo(v1.image());
  }

  /** Starts the deployment as the starter does and waits for its result. */
  private DeployResult deploy(String env, String commit) {
    String id = WorkflowIds.deployment(env, service, commit);
    tags.add(REGISTRY + "/" + service + ":" + commit);
    WorkflowClient client = worker.client();
    ServiceDeploymentWorkflow workflow =
        client.newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowExecutionTimeout(Duration.ofSeconds(100))
                .build());
    WorkflowClient.start(
        workflow::deploy,
        new DeployRequest(configRepo.toString(), env, service, commit, REQUESTED_BY, false));
    DeployResult result = WorkflowStub.fromTyped(workflow).getResult(DeployResult.class);
    deployed.add(result);
    return result;
  }

  private static Tuple stepDone(Step step) {
    return Tuple.tuple(step, StepState.DONE);
  }

  private String conveyorYaml() {
    return String.join(
        "\n",
        "version: 1",
        "registry: " + REGISTRY,
        "environments:",
        "  qa:",
        "    target: docker",
        "    bake: 1s",
        qaExtra,
        "  prod:",
        "    target: marathon",
        "    bake: 1s",
        "    marathon: { url: \"" + marathon.url() + "\" }",
        "    consul: { url: \"" + consul.url() + "\" }",
        "services:",
        "  " + service + ":",
        "    repo: ../" + service + ".git",
        "    app: marathon/" + service + ".json",
        "    health: { path: "
            + BusyboxImages.HEALTH_PATH
            + ", port: "
            + BusyboxImages.HTTP_PORT
            + ", timeout: "
            + healthTimeout
            + " }",
        "notify:",
        "  - { type: webhook, url: \"" + sink.url("/hooks/deployments") + "\" }",
        "");
  }

  private String appTemplate() {
    return """
        {
          "id": "/%s",
          "instances": 1,
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

  /** {@code Docker-Content-Digest} of {@code HEAD /v2/<name>/manifests/<tag>}. */
  private Optional<String> registryDigest(String name, String tag) throws IOException {
    Request head =
        new Request.Builder()
            .url("http://" + DockerRequired.registry() + "/v2/" + name + "/manifests/" + tag)
            .head()
            .header("Accept", MANIFEST_TYPES)
            .build();
    try (Response response = http.newCall(head).execute()) {
      assertThat(response.code()).isEqualTo(200);
      return Optional.ofNullable(response.header("Docker-Content-Digest"));
    }
  }

  private List<Container> containers() {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of("dev.conveyor.service", service))
        .exec();
  }

  private Container onlyContainer() {
    List<Container> containers = containers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  /** {@code "<status> <body>"} of a GET to the container's published health port. */
  private String get(Container container, String path) throws IOException {
    Ports.Binding[] bindings =
        docker
            .inspectContainerCmd(container.getId())
            .exec()
            .getNetworkSettings()
            .getPorts()
            .getBindings()
            .get(ExposedPort.tcp(BusyboxImages.HTTP_PORT));
    assertThat(bindings).isNotEmpty();
    assertThat(bindings[0].getHostIp()).isEqualTo("127.0.0.1");
    String url = "http://127.0.0.1:" + bindings[0].getHostPortSpec() + path;
    try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code() + " " + response.body().string().strip();
    }
  }

  /** The engine's container events for this service between two instants. */
  private List<Event> containerEvents(Instant since, Instant until) throws InterruptedException {
    List<Event> events = new CopyOnWriteArrayList<>();
    docker
        .eventsCmd()
        .withSince(Long.toString(since.getEpochSecond() - 1))
        .withUntil(Long.toString(until.getEpochSecond() + 1))
        .withEventTypeFilter(EventType.CONTAINER)
        .withLabelFilter(Map.of("dev.conveyor.service", service))
        .exec(
            new ResultCallback.Adapter<Event>() {
              @Override
              public void onNext(Event event) {
                events.add(event);
              }
            })
        .awaitCompletion(15, TimeUnit.SECONDS);
    return events;
  }

  /** The time (ns) of the first event of generation {@code n}'s container among {@code actions}. */
  private long firstEvent(List<Event> events, int n, List<String> actions) {
    String name = "conveyor-qa-" + service + "-" + n;
    return events.stream()
        .filter(e -> name.equals(e.getActor().getAttributes().get("name")))
        .filter(e -> actions.contains(e.getAction()))
        .mapToLong(Event::getTimeNano)
        .min()
        .orElseThrow(
            () -> new AssertionError("no " + actions + " event for " + name + ": " + events));
  }

  /** Looks at the service's containers every 100 ms and remembers whether none ever ran. */
  private final class ServingWatch implements Runnable {
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean nothingRunning;
    private volatile int looks;

    @Override
    public void run() {
      while (!stopped.get()) {
        boolean running = containers().stream().anyMatch(c -> "running".equals(c.getState()));
        if (!running) {
          nothingRunning = true;
        }
        looks++;
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stop() {
      stopped.set(true);
    }

    boolean sawNothingRunning() {
      return nothingRunning;
    }

    int looks() {
      return looks;
    }
  }
}
