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
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.worker.testing.DeploymentWorld;
import dev.conveyor.worker.testing.RunningWorker;
import dev.conveyor.worker.testing.WebhookSink;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

  @TempDir static Path dataDir;

  private static RunningWorker worker;

  @TempDir Path repos;

  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
  private DeploymentWorld world;
  private String service;
  private MarathonSimulator marathon;
  private ConsulSimulator consul;
  private WebhookSink sink;
  private DockerClient docker;
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
    docker = TestDocker.client();
    // Deployments that take a moment and tasks that turn healthy a little later, so the health
    // gate really waits for Marathon.
    world =
        DeploymentWorld.builder(repos, "e2e")
            .context(BusyboxImages.context().withVersion("v1"))
            .deploymentDuration(Duration.ofMillis(1500))
            .tasksHealthyAfter(Duration.ofSeconds(1))
            .build();
    service = world.service();
    marathon = world.marathon();
    consul = world.consul();
    sink = world.sink();
    sourceRepo = world.sourceRepo();
    configRepo = world.configRepo();
  }

  @AfterEach
  void removeWhatTheTestMade() {
    try {
      world.close();
    } finally {
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
    String commit = world.head();
    String repository = world.imageRepository();

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
    assertThat(world.registryDigest(commit)).contains(result.digest());

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
        .contains("Conveyor-Requested-By: " + DeploymentWorld.REQUESTED_BY);
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
    assertThat(sink.deliveries()).hasSize(1);
    WebhookSink.Delivery notification = sink.deliveries().get(0);
    assertThat(notification.path()).isEqualTo("/hooks/deployments");
    assertThat(notification.idempotencyKey()).isEqualTo(result.workflowId() + "/succeeded/0");
    JsonNode body = JSON.readTree(notification.body());
    assertThat(body.path("outcome").asText()).isEqualTo("SUCCEEDED");
    assertThat(body.path("service").asText()).isEqualTo(service);
    assertThat(body.path("env").asText()).isEqualTo("prod");
    assertThat(body.path("commit").asText()).isEqualTo(commit);
    assertThat(body.path("image").asText()).isEqualTo(pinned);
    assertThat(body.path("digest").asText()).isEqualTo(result.digest());
    assertThat(body.path("requestedBy").asText()).isEqualTo(DeploymentWorld.REQUESTED_BY);
  }

  @Test
  @Timeout(120)
  void dockerTargetServesTheCommitAndReplacesItStartFirst() throws Exception {
    String first = world.head();

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
    assertThat(sink.deliveries())
        .extracting(WebhookSink.Delivery::idempotencyKey)
        .containsExactly(v1.workflowId() + "/succeeded/0", v2.workflowId() + "/succeeded/0");
  }

  /** Starts the deployment as the starter does and waits for its result. */
  private DeployResult deploy(String env, String commit) {
    return world
        .start(worker.client(), env, commit, Duration.ofSeconds(100))
        .getResult(DeployResult.class);
  }

  private static Tuple stepDone(Step step) {
    return Tuple.tuple(step, StepState.DONE);
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
