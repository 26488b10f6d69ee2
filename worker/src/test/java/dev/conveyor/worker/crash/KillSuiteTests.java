package dev.conveyor.worker.crash;

import static dev.conveyor.worker.testing.HttpFaultProxy.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.gitops.ConfigRepo;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.simulators.SimClock;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.worker.testing.DeploymentWorld;
import dev.conveyor.worker.testing.GitDaemon;
import dev.conveyor.worker.testing.Hold;
import dev.conveyor.worker.testing.HttpFaultProxy;
import dev.conveyor.worker.testing.StackWorld;
import dev.conveyor.worker.testing.TemporalServerProcess;
import dev.conveyor.worker.testing.WebhookSink;
import dev.conveyor.worker.testing.WorkerProcess;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import dev.conveyor.workflows.rollback.RollbackResult;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SIGKILL of the worker process at 24 points: before, inside and after each of the eight steps of a
 * service deployment (see {@link KillPoint}), then a new worker process, and every deployment must
 * finish as if nothing had happened: one config commit, the registry's digest, KV and its {@code
 * previous}, Marathon at the digest, one notification per idempotency key.
 *
 * <p>Real processes and peers: the Temporal test server and the worker each run as their own JVM;
 * Docker engine, registry and Git are real; Marathon, Consul and the webhook are simulators in this
 * JVM. To keep the suite short, the 24 deployments (one service each, with its own repos and
 * simulators) are started together against the first worker and each is brought to its own kill
 * point; when all 24 are there, one SIGKILL hits them all at once, and the second worker finishes
 * them all. Whether a point was really in flight is checked at the kill (the step's activity,
 * attempt 1, running on the first worker) and afterwards (that activity completed by the second
 * worker).
 *
 * <p>The same SIGKILL also hits a release and four rollbacks ({@link FlowKillPoint}, {@link
 * FlowScenario}), each in its own world: a release of a 3-service chain with children at different
 * stages, a rollback started as {@code ./conveyor rollback} does (mid-redeploy, mid-health) and a
 * rollback signalled in a deployment's bake window (after its commit, mid-health). The release must
 * complete with every service deployed once; each rollback with exactly one rollback commit, KV and
 * Marathon back at the earlier image, and one notification per idempotency key.
 *
 * <p>Both workers run with {@code conveyor.worker.test.heartbeat-timeout} so that Temporal notices
 * the dead worker's activities within seconds; the production timeouts and what they mean for
 * recovery are in docs/reliability.md. The measured resume times land in {@code
 * target/kill-suite-report.md} and in the test output.
 */
@RequiresDocker
class KillSuiteTests {
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(15);
  static final String POINTS_PROPERTY = "conveyor.kill-points";
  private static final String ENV = "prod";
  private static final Duration TO_REACH_POINTS = Duration.ofSeconds(120);
  private static final Duration TO_FINISH = Duration.ofMinutes(3);

  @TempDir static Path dir;

  /** Worker, server and git daemon logs stay here after the run. */
  private static final Path LOGS = Path.of("target", "kill-suite").toAbsolutePath();

  private static TemporalServerProcess server;
  private static WorkerProcess first;
  private static WorkerProcess second;
  private static GitDaemon gitDaemon;
  private static SimClock healthClock;
  private static final Map<KillPoint, Scenario> scenarios = new EnumMap<>(KillPoint.class);
  private static final Map<FlowKillPoint, FlowScenario> flows = new EnumMap<>(FlowKillPoint.class);
  private static ExecutorService setups;
  private static final List<AutoCloseable> closeables = new ArrayList<>();
  private static final Map<String, Duration> timings = new java.util.LinkedHashMap<>();

  @BeforeAll
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  static void killTheWorkerWithEveryPointInFlight() throws Exception {
    Instant begin = Instant.now();
    System.out.println(pointList());
    Files.createDirectories(LOGS);
    server = TemporalServerProcess.start(LOGS);
    Path data = dir.resolve("worker-data");
    Files.createDirectories(dir.resolve("git"));
    gitDaemon = GitDaemon.serve(dir.resolve("git"), LOGS.resolve("git-daemon.log"), null);
    healthClock = new SimClock();
    for (KillPoint point : selectedPoints()) {
      scenarios.put(point, prepare(point, data));
    }
    for (FlowKillPoint point : selectedFlows()) {
      flows.put(point, FlowScenario.prepare(point, dir, closeables));
    }
    List<String> args = new ArrayList<>(workerArgs(HoldPoints.class, WithoutStickyQueues.class));
    args.add(
        "--"
            + HoldPoints.PROPERTY
            + "="
            + Stream.concat(
                    scenarios.values().stream().map(s -> s.rule),
                    flows.values().stream().map(f -> f.rule))
                .filter(r -> r != null)
                .collect(Collectors.joining(",")));
    first = WorkerProcess.start("worker-1", server.target(), data, LOGS, args, Map.of());
    timings.put(
        "first worker start to ready", Duration.between(first.startedAt(), first.readyAt()));

    Instant wave = Instant.now();
    // Releases start at once; a rollback first needs the deployment it undoes, and starts (in
    // the same thread) when that one is done, unless it must come last.
    setups = Executors.newFixedThreadPool(Math.max(1, flows.size()));
    Map<FlowKillPoint, Future<?>> setUp = new EnumMap<>(FlowKillPoint.class);
    for (FlowScenario f : flows.values()) {
      setUp.put(
          f.point,
          setups.submit(
              () -> {
                f.setUp(server.client());
                if (!f.late()) {
                  f.start(server.client());
                }
                return null;
              }));
    }
    // Points held at the worker, or inside activities that heartbeat, can wait for the others.
    startAndAwait(
        point ->
            point.phase().equals("before")
                || point.phase().equals("after")
                || point == KillPoint.INSIDE_HEALTH
                || point == KillPoint.INSIDE_PUSH,
        List.of());
    for (FlowScenario f : flows.values()) {
      awaitSetUp(f, setUp.get(f.point));
    }
    awaitFlows(flows.values().stream().filter(f -> !f.late()).toList());
    // Held at a peer inside an activity that does not heartbeat: kill soon after they are there.
    startAndAwait(
        point ->
            point == KillPoint.INSIDE_KV
                || point == KillPoint.INSIDE_COMMIT
                || point == KillPoint.INSIDE_DEPLOY
                || point == KillPoint.INSIDE_NOTIFY,
        flows.values().stream().filter(FlowScenario::late).toList());
    // Reached within a second of their start.
    startAndAwait(
        point -> point == KillPoint.INSIDE_RESOLVE || point == KillPoint.INSIDE_BUILD, List.of());
    timings.put(
        "all " + (scenarios.size() + flows.size()) + " points in flight",
        Duration.between(wave, Instant.now()));
    for (Scenario s : scenarios.values()) {
      s.atKill = inFlight(s.workflowId, s.point.activityType()) + heldFor(s.reachedAt);
    }
    for (FlowScenario f : flows.values()) {
      f.atKill =
          f.held.stream()
                  .map(
                      h ->
                          (h.who() == null ? "" : h.who() + ": ")
                              + inFlight(h.workflowId(), h.activityType()))
                  .collect(Collectors.joining("; "))
              + heldFor(f.reachedAt);
    }

    first.kill();
    Instant killedAt = first.jvm().killedAt();
    for (Scenario s : scenarios.values()) {
      s.release.run();
    }
    for (FlowScenario f : flows.values()) {
      f.release();
    }
    second =
        WorkerProcess.start(
            "worker-2",
            server.target(),
            data,
            LOGS,
            workerArgs(WithoutStickyQueues.class),
            Map.of());
    timings.put(
        "second worker start to ready", Duration.between(second.startedAt(), second.readyAt()));

    Instant deadline = Instant.now().plus(TO_FINISH);
    for (Scenario s : scenarios.values()) {
      try {
        long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
        s.result = s.stub.getResult(left, TimeUnit.MILLISECONDS, DeployResult.class);
      } catch (Exception e) {
        s.failure = e;
      }
    }
    for (FlowScenario f : flows.values()) {
      f.awaitEnd(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()));
    }
    timings.put(
        "kill to all " + (scenarios.size() + flows.size()) + " finished",
        Duration.between(killedAt, Instant.now()));
    for (Scenario s : scenarios.values()) {
      s.resume =
          resume(
              List.of(s.workflowId),
              List.of(new FlowScenario.Held(s.workflowId, s.point.activityType(), null)),
              new ArrayList<>());
    }
    for (FlowScenario f : flows.values()) {
      f.resume = resume(f.workflowIds, f.held, f.completedBy);
    }
    timings.put("whole wave", Duration.between(begin, Instant.now()));
  }

  @AfterAll
  static void reportAndCleanUp() throws IOException {
    try {
      if (!scenarios.isEmpty() || !flows.isEmpty()) {
        String report = report();
        System.out.println(report);
        Files.writeString(LOGS.resolve("report.md"), report);
      }
    } finally {
      closeQuietly(second);
      closeQuietly(first);
      for (Scenario s : scenarios.values()) {
        s.release.run();
      }
      if (setups != null) {
        setups.shutdownNow();
      }
      flows.values().forEach(FlowScenario::close);
      closeables.forEach(KillSuiteTests::closeQuietly);
      scenarios.values().forEach(s -> closeQuietly(s.world));
      closeQuietly(gitDaemon);
      closeQuietly(server);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(KillPoint.class)
  void deploymentFinishesWithEverySideEffectExactlyOnce(KillPoint point) {
    assumeTrue(scenarios.containsKey(point), "not selected by -D" + POINTS_PROPERTY);
    Scenario s = scenarios.get(point);
    DeploymentWorld world = s.world;
    assertThat(s.atKill).as("what was in flight when the worker died").startsWith("in flight:");
    assertThat(s.failure).as("the deployment's outcome").isNull();
    DeployResult result = s.result;

    // every step finished (push is skipped only when the build found the image already pushed)
    assertThat(result.steps())
        .allSatisfy(
            step ->
                assertThat(step.state())
                    .as(step.step().label())
                    .isIn(
                        step.step() == Step.PUSH
                            ? List.of(StepState.DONE, StepState.SKIPPED)
                            : List.of(StepState.DONE)));
    // the step that was in flight was finished by the second worker
    assertThat(s.resume.completedBy())
        .as("who completed " + point.activityType())
        .startsWith("worker-2");

    // registry: the tag holds the digest every later step used
    assertThat(world.registryDigest(s.commit)).contains(result.digest());
    assertThat(result.image()).isEqualTo(world.imageRepository() + "@" + result.digest());

    // kv: the image, and previous is what was live before (not the new image)
    assertThat(world.consul().value(world.imageKey(ENV))).contains(result.image());
    assertThat(world.consul().value(world.previousKey(ENV))).contains(world.previousImage());
    assertThat(result.previousImage()).isEqualTo(world.previousImage());

    // config repo: exactly one commit for this deployment, on top of the initial one
    assertThat(world.configCommitsOf(s.workflowId)).containsExactly(result.configCommit());
    assertThat(world.configCommitCount()).isEqualTo(2);
    JsonNode committed = world.committedApp(ENV, result.configCommit());
    assertThat(committed.path("container").path("docker").path("image").asText())
        .isEqualTo(result.image());

    // marathon: the live app carries the digest; repeated PUTs only ever carried that one image
    assertThat(world.marathon().definition("/" + world.service()))
        .hasValueSatisfying(
            app ->
                assertThat(app.path("container").path("docker").path("image").asText())
                    .isEqualTo(result.image()));
    assertThat(
            world.marathon().putBodies("/" + world.service()).stream()
                .map(b -> b.path("container").path("docker").path("image").asText())
                .distinct())
        .containsExactly(result.image());

    // notify: one success notification per idempotency key (a retried send repeats the key)
    assertThat(world.sink().keys()).containsExactly(s.workflowId + "/succeeded/0");
    if (point == KillPoint.INSIDE_NOTIFY || point == KillPoint.AFTER_NOTIFY) {
      assertThat(world.sink().deliveries())
          .as("the first worker's send arrived, and the second worker's retry sent it again")
          .hasSize(2);
    }
    assertThat(world.sink().deliveries()).extracting(d -> d.outcome()).containsOnly("SUCCEEDED");
  }

  @Test
  void releaseKilledWithChildrenInFlightCompletesWithEveryServiceDeployedOnce() {
    FlowScenario f = flow(FlowKillPoint.RELEASE_CHILDREN_IN_FLIGHT);
    StackWorld w = f.stack;
    assertThat(f.failure).as("the release's outcome").isNull();
    ReleaseResult result = (ReleaseResult) f.result;
    assertThat(result.outcome()).isEqualTo("SUCCEEDED");
    assertThat(f.completedBy)
        .as("who completed a's health gate and b's push")
        .allSatisfy(who -> assertThat(who).startsWith("worker-2"));
    assertThat(result.services())
        .extracting(ServiceRelease::service)
        .containsExactlyElementsOf(w.services());
    List<String> keys = new ArrayList<>();
    ServiceRelease before = null;
    for (ServiceRelease released : result.services()) {
      String service = released.service();
      String id = w.deploymentId(service);
      assertThat(released.state()).as(service).isEqualTo(ServiceState.SUCCEEDED);
      assertThat(released.workflowId()).isEqualTo(id);
      if (before != null) {
        assertThat(released.deployStartedAt())
            .as("%s deployed after %s ended healthy", service, before.service())
            .isGreaterThanOrEqualTo(before.endedAt());
      }
      before = released;
      // registry: the tag holds the digest every later step used
      assertThat(w.registryDigest(service, w.head(service)))
          .as(service)
          .contains(released.digest());
      assertThat(released.image()).isEqualTo(w.imageRepository(service) + "@" + released.digest());
      // kv: the image, and previous is what was live before the release
      assertThat(w.consul().value(w.imageKey(service))).contains(released.image());
      assertThat(w.consul().value(w.previousKey(service))).contains(w.previousImage(service));
      // config repo: exactly one commit for this deployment (git CLI), holding the image
      assertThat(w.configCommitsOf(id)).as(service).containsExactly(released.configCommit());
      assertThat(
              w.committedApp(service, released.configCommit())
                  .path("container")
                  .path("docker")
                  .path("image")
                  .asText())
          .isEqualTo(released.image());
      // marathon: the live app carries the digest; every PUT carried that one image
      assertThat(liveImage(w.marathon(), service)).contains(released.image());
      assertThat(putImages(w.marathon(), service)).as(service).containsExactly(released.image());
      keys.add(id + "/succeeded/0");
    }
    assertThat(w.configCommitCount()).isEqualTo(1 + w.services().size());
    // notify: one success notification per deployment, none repeated
    assertThat(w.sink().keys()).containsExactlyInAnyOrderElementsOf(keys);
    assertThat(w.sink().deliveries()).hasSize(keys.size());
  }

  @Test
  void rollbackByCommandKilledMidRedeployCompletesWithOneRollbackCommit() {
    rolledBackByCommand(FlowKillPoint.ROLLBACK_INSIDE_DEPLOY);
  }

  @Test
  void rollbackByCommandKilledMidHealthCompletesWithOneRollbackCommit() {
    rolledBackByCommand(FlowKillPoint.ROLLBACK_INSIDE_HEALTH);
  }

  @Test
  void rollbackInTheBakeWindowKilledAfterItsCommitCompletesWithOneRollbackCommit() {
    rolledBackInTheBakeWindow(FlowKillPoint.BAKE_ROLLBACK_AFTER_COMMIT);
  }

  @Test
  void rollbackInTheBakeWindowKilledMidHealthCompletesWithOneRollbackCommit() {
    rolledBackInTheBakeWindow(FlowKillPoint.BAKE_ROLLBACK_INSIDE_HEALTH);
  }

  private static void rolledBackByCommand(FlowKillPoint point) {
    FlowScenario f = flow(point);
    DeploymentWorld w = f.world;
    assertThat(f.failure).as("the rollback's outcome").isNull();
    RollbackResult result = (RollbackResult) f.result;
    assertThat(result.outcome()).isEqualTo(RollbackResult.ROLLED_BACK);
    assertThat(result.image()).isEqualTo(w.previousImage());
    assertThat(result.rolledBackImage()).isEqualTo(f.deployed.image());
    assertThat(w.rollbackCommitsOf(f.mainId)).containsExactly(result.configCommit());
    assertThat(w.configCommitsOf(f.mainId)).containsExactly(result.configCommit());
    rolledBack(
        f,
        f.deployed.image(),
        result.configCommit(),
        List.of(f.deploymentId + "/succeeded/0", f.mainId + "/rolled_back/0"));
  }

  private static void rolledBackInTheBakeWindow(FlowKillPoint point) {
    FlowScenario f = flow(point);
    DeploymentWorld w = f.world;
    assertThat(f.result).as("the deployment ended without its rollback").isNull();
    assertThat(failureType(f.failure))
        .as("the deployment's end: " + f.failure)
        .contains(ServiceDeploymentWorkflowImpl.ROLLED_BACK);
    String left = w.imageRepository() + "@" + w.registryDigest(w.head()).orElseThrow();
    List<String> rollbackCommits = w.rollbackCommitsOf(f.deploymentId);
    assertThat(rollbackCommits).as("rollback commits of " + f.deploymentId).hasSize(1);
    assertThat(w.configCommitsOf(f.deploymentId))
        .as("its deploy commit, then its rollback commit")
        .hasSize(2)
        .startsWith(rollbackCommits.get(0));
    rolledBack(
        f,
        left,
        rollbackCommits.get(0),
        List.of(f.deploymentId + "/succeeded/0", f.deploymentId + "/rolled_back/0"));
  }

  /** What every rollback point asserts once the rollback is done. */
  private static void rolledBack(
      FlowScenario f, String leftImage, String rollbackCommit, List<String> keys) {
    DeploymentWorld w = f.world;
    assertThat(f.completedBy)
        .as("who completed " + f.point.activities)
        .allSatisfy(who -> assertThat(who).startsWith("worker-2"));
    // config repo: the earlier version, the deployment, exactly one rollback (git CLI)
    assertThat(w.configCommitCount()).isEqualTo(4);
    assertThat(
            w.committedApp(ENV, rollbackCommit)
                .path("container")
                .path("docker")
                .path("image")
                .asText())
        .isEqualTo(w.previousImage());
    // kv: the earlier image is back, and previous names the one that was left
    assertThat(w.consul().value(w.imageKey(ENV))).contains(w.previousImage());
    assertThat(w.consul().value(w.previousKey(ENV))).contains(leftImage);
    // marathon: live at the earlier image; PUTs carried the new image, then the restored one
    assertThat(liveImage(w.marathon(), w.service())).contains(w.previousImage());
    assertThat(putImages(w.marathon(), w.service())).containsExactly(leftImage, w.previousImage());
    // notify: one notification per idempotency key, none repeated
    assertThat(w.sink().keys()).containsExactlyElementsOf(keys);
    assertThat(w.sink().deliveries())
        .extracting(WebhookSink.Delivery::outcome)
        .containsExactly("SUCCEEDED", "ROLLED_BACK");
  }

  private static FlowScenario flow(FlowKillPoint point) {
    assumeTrue(flows.containsKey(point), "not selected by -D" + POINTS_PROPERTY);
    FlowScenario f = flows.get(point);
    assertThat(f.atKill).as("what was in flight when the worker died").doesNotContain("missed");
    assertThat(f.atKill).contains("in flight:");
    return f;
  }

  private static Optional<String> liveImage(MarathonSimulator marathon, String service) {
    return marathon
        .definition("/" + service)
        .map(app -> app.path("container").path("docker").path("image").asText());
  }

  /**
   * The distinct images of the PUTs Marathon received for the app, in order. A rollback's {@code
   * {"version": v}} PUT counts as the image Marathon stores at that version.
   */
  private static List<String> putImages(MarathonSimulator marathon, String service) {
    String app = "/" + service;
    return marathon.putBodies(app).stream()
        .map(
            b ->
                b.has("version") && !b.has("container")
                    ? marathon
                        .definitionAt(app, b.get("version").asText())
                        .map(d -> d.path("container").path("docker").path("image").asText())
                        .orElse("unknown version " + b.get("version").asText())
                    : b.path("container").path("docker").path("image").asText())
        .distinct()
        .toList();
  }

  /**
   * {@code -Dconveyor.kill-points=inside-kv,after-commit} runs only those points (to iterate on
   * one); by default every point runs.
   */
  private static List<KillPoint> selectedPoints() {
    List<String> labels = selectedLabels();
    return java.util.Arrays.stream(KillPoint.values())
        .filter(p -> labels.isEmpty() || labels.contains(p.label()))
        .toList();
  }

  private static List<FlowKillPoint> selectedFlows() {
    List<String> labels = selectedLabels();
    return java.util.Arrays.stream(FlowKillPoint.values())
        .filter(p -> labels.isEmpty() || labels.contains(p.label()))
        .toList();
  }

  private static List<String> selectedLabels() {
    String selected = System.getProperty(POINTS_PROPERTY, "").strip();
    return selected.isEmpty() ? List.of() : List.of(selected.split("\\s*,\\s*"));
  }

  /** The worker's own properties in both lifecycles. */
  private static List<String> workerArgs(Class<?>... sources) {
    return List.of(
        "--conveyor.worker.test.heartbeat-timeout=" + HEARTBEAT_TIMEOUT.toSeconds() + "s",
        // Holds occupy activity slots: every kill point must find a free one to reach its hold.
        "--conveyor.worker.build-queue.max-concurrent-activities="
            + (2 * (KillPoint.values().length + 3 * FlowKillPoint.values().length)),
        "--conveyor.worker.control-queue.max-concurrent-activities="
            + (4 * (KillPoint.values().length + 3 * FlowKillPoint.values().length)),
        "--spring.main.sources="
            + java.util.Arrays.stream(sources)
                .map(Class::getName)
                .collect(Collectors.joining(",")));
  }

  private static Scenario prepare(KillPoint point, Path data) throws IOException {
    Path worldDir = dir.resolve(point.label());
    Files.createDirectories(worldDir);
    DeploymentWorld.Builder builder = DeploymentWorld.builder(worldDir, "kill");
    String service = builder.service();
    Hold hold = null;
    HttpFaultProxy[] proxy = new HttpFaultProxy[1];
    switch (point) {
      case INSIDE_BUILD -> builder.context(slowBuild(service));
      case INSIDE_PUSH -> {
        proxy[0] = HttpFaultProxy.to("http://" + DockerRequired.registry());
        closeables.add(proxy[0]);
        hold = proxy[0].holdBeforeForwarding(request("POST", "/" + service + "/blobs/uploads/"));
        builder.registry(proxy[0].address());
      }
      case INSIDE_DEPLOY ->
          builder.marathonUrl(
              marathon -> {
                proxy[0] = HttpFaultProxy.to(marathon.url());
                closeables.add(proxy[0]);
                return proxy[0].url();
              });
      case INSIDE_HEALTH -> builder.marathonClock(healthClock);
      case INSIDE_COMMIT ->
          builder.configRepo(
              gitDaemon.baseDir().resolve(service + "-config.git"),
              gitDaemon.url(service + "-config.git"));
      default -> {}
    }
    DeploymentWorld world = builder.withPreviousImage().build();
    Scenario s = new Scenario(point, world);
    switch (point.phase()) {
      case "before", "after" -> {
        s.rule = HoldPoints.rule(point.phase(), point.activityType(), s.workflowId);
        String marker = HoldPoints.marker(s.rule);
        s.reached = () -> first.jvm().lines().stream().anyMatch(l -> l.startsWith(marker));
      }
      default -> {
        switch (point) {
          case INSIDE_RESOLVE -> {
            FileChannel channel = lockClone(world, data);
            FileLock lock = channel.lock();
            s.reached = () -> pendingStarted(s, "Resolve", false);
            s.release =
                () -> {
                  try {
                    lock.release();
                    channel.close();
                  } catch (IOException ignored) {
                    // closing the channel releases the lock anyway
                  }
                };
          }
          case INSIDE_BUILD ->
              s.reached = () -> pendingStarted(s, "Build", false) && slowStepRunning(service);
          case INSIDE_PUSH -> {
            Hold h = hold;
            s.reached = h::isReached;
            s.release = h::release;
          }
          case INSIDE_KV -> {
            Hold h = new Hold("consul transaction");
            world.consul().beforeNextWrite(h::pause);
            s.reached = h::isReached;
            s.release = h::release;
          }
          case INSIDE_COMMIT -> {
            Path reachedFile = worldDir.resolve("pre-receive-reached");
            Path releasedFile = worldDir.resolve("pre-receive-released");
            GitDaemon.installHook(
                world.configRepo(), "pre-receive", slowPreReceive(reachedFile, releasedFile));
            s.reached = () -> Files.exists(reachedFile);
            s.release =
                () -> {
                  try {
                    Files.writeString(releasedFile, "go\n");
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                };
          }
          case INSIDE_DEPLOY -> {
            Hold h = proxy[0].holdAfterForwarding(request("PUT", "/v2/apps/"));
            s.reached = h::isReached;
            s.release = h::release;
          }
          case INSIDE_HEALTH -> {
            s.reached = () -> pendingStarted(s, "AwaitHealthy", true);
            s.release = () -> healthClock.advance(Duration.ofMinutes(1));
          }
          case INSIDE_NOTIFY -> {
            Hold h = world.sink().holdNextDelivery();
            s.reached = h::isReached;
            s.release = h::release;
          }
          default -> throw new IllegalStateException("no inside point for " + point);
        }
      }
    }
    return s;
  }

  /** Starts the scenarios {@code which} selects and waits until each is at its point. */
  private static void startAndAwait(
      java.util.function.Predicate<KillPoint> which, List<FlowScenario> flowBatch)
      throws InterruptedException {
    List<Scenario> batch = scenarios.values().stream().filter(s -> which.test(s.point)).toList();
    for (Scenario s : batch) {
      s.stub = s.world.start(server.client(), ENV, s.commit, Duration.ofMinutes(8));
    }
    for (FlowScenario f : flowBatch) {
      f.start(server.client());
    }
    long deadline = System.nanoTime() + TO_REACH_POINTS.toNanos();
    FlowScenario.Probe probe = probe();
    while (true) {
      for (Scenario s : batch) {
        if (s.reachedAt == null && s.reached.getAsBoolean()) {
          s.reachedAt = Instant.now();
        }
      }
      for (FlowScenario f : flowBatch) {
        if (f.reachedAt == null && f.reached(server.client(), probe)) {
          f.reachedAt = Instant.now();
        }
      }
      List<String> waiting =
          Stream.concat(
                  batch.stream().filter(s -> s.reachedAt == null).map(s -> s.point.label()),
                  flowBatch.stream().filter(f -> f.reachedAt == null).map(f -> f.point.label()))
              .toList();
      if (waiting.isEmpty()) {
        return;
      }
      List<String> lost =
          first.jvm().lines().stream().filter(l -> l.startsWith(HoldPoints.LOST)).toList();
      if (!lost.isEmpty() || System.nanoTime() > deadline) {
        throw new AssertionError(
            "kill points not reached: "
                + waiting
                + (lost.isEmpty() ? "" : "; holds lost: " + lost)
                + "\nfirst worker's output:\n"
                + first.jvm().tail());
      }
      Thread.sleep(100);
    }
  }

  /** Flows already started (after their setup): waits until each is at its point. */
  private static void awaitFlows(List<FlowScenario> started) throws InterruptedException {
    long deadline = System.nanoTime() + TO_REACH_POINTS.toNanos();
    FlowScenario.Probe probe = probe();
    while (true) {
      for (FlowScenario f : started) {
        if (f.reachedAt == null && f.reached(server.client(), probe)) {
          f.reachedAt = Instant.now();
        }
      }
      List<String> waiting =
          started.stream().filter(f -> f.reachedAt == null).map(f -> f.point.label()).toList();
      if (waiting.isEmpty()) {
        return;
      }
      List<String> lost =
          first.jvm().lines().stream().filter(l -> l.startsWith(HoldPoints.LOST)).toList();
      if (!lost.isEmpty() || System.nanoTime() > deadline) {
        throw new AssertionError(
            "kill points not reached: "
                + waiting
                + (lost.isEmpty() ? "" : "; holds lost: " + lost)
                + "\nfirst worker's output:\n"
                + first.jvm().tail());
      }
      Thread.sleep(200);
    }
  }

  /** Waits for a flow's setup (and start); its failure fails the wave with its cause. */
  private static void awaitSetUp(FlowScenario f, Future<?> setUp) throws Exception {
    try {
      setUp.get(TO_REACH_POINTS.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(
          f.point.label() + ": setup failed: " + e.getCause() + "\n" + first.jvm().tail(),
          e.getCause());
    }
  }

  private static FlowScenario.Probe probe() {
    return new FlowScenario.Probe() {
      @Override
      public boolean pendingStarted(String workflowId, String type, boolean withHeartbeat) {
        return KillSuiteTests.pendingStarted(workflowId, type, withHeartbeat);
      }

      @Override
      public boolean printed(String linePrefix) {
        return first.jvm().lines().stream().anyMatch(l -> l.startsWith(linePrefix));
      }
    };
  }

  private static String heldFor(Instant reachedAt) {
    return String.format(
        Locale.ROOT,
        " (held %.1f s)",
        Duration.between(reachedAt, Instant.now()).toMillis() / 1000.0);
  }

  /** The activity as Temporal sees it just before the kill. */
  private static String inFlight(String workflowId, String activityType) {
    Optional<PendingActivityInfo> pending = pending(workflowId, activityType);
    if (pending.isEmpty()) {
      return "missed: no pending " + activityType;
    }
    PendingActivityInfo info = pending.get();
    boolean onFirst = info.getLastWorkerIdentity().startsWith(first.identityPrefix());
    if (info.getState() != PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        || info.getAttempt() != 1
        || !onFirst) {
      return "missed: "
          + activityType
          + " "
          + info.getState()
          + " attempt "
          + info.getAttempt()
          + " on "
          + info.getLastWorkerIdentity();
    }
    return "in flight: " + activityType + " attempt 1 on worker-1";
  }

  private static boolean pendingStarted(Scenario s, String type, boolean withHeartbeat) {
    return pendingStarted(s.workflowId, type, withHeartbeat);
  }

  private static boolean pendingStarted(String workflowId, String type, boolean withHeartbeat) {
    return pending(workflowId, type)
        .filter(p -> p.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
        .filter(p -> !withHeartbeat || p.hasHeartbeatDetails())
        .isPresent();
  }

  private static Optional<PendingActivityInfo> pending(String workflowId, String type) {
    try {
      return pendingOf(workflowId, type);
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        return Optional.empty(); // not started yet (a release's child)
      }
      throw e;
    }
  }

  private static Optional<PendingActivityInfo> pendingOf(String workflowId, String type) {
    return server
        .client()
        .getWorkflowServiceStubs()
        .blockingStub()
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(server.client().getOptions().getNamespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build())
        .getPendingActivitiesList()
        .stream()
        .filter(p -> p.getActivityType().getName().equals(type))
        .findFirst();
  }

  /**
   * What the second worker did first for the workflows (a deployment; a release and its children; a
   * rollback), and who completed each held activity: one entry per {@code held} in {@code
   * completedBy}.
   */
  private static Resume resume(
      List<String> workflowIds, List<FlowScenario.Held> held, List<String> completedBy) {
    HistoryEvent firstBySecond = null;
    Map<Long, String> firstTypes = new HashMap<>();
    for (FlowScenario.Held h : held) {
      completedBy.add("nobody");
    }
    for (String workflowId : workflowIds) {
      List<HistoryEvent> events;
      try {
        events = server.client().fetchHistory(workflowId).getEvents();
      } catch (RuntimeException e) {
        return new Resume(null, null, "history unreadable: " + e.getMessage(), "unknown");
      }
      Map<Long, String> scheduledTypes = new HashMap<>();
      Map<Long, Integer> startedAttempts = new HashMap<>();
      for (HistoryEvent e : events) {
        if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
          scheduledTypes.put(
              e.getEventId(),
              e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
        }
        if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
          startedAttempts.put(
              e.getEventId(), e.getActivityTaskStartedEventAttributes().getAttempt());
        }
        String identity = identity(e);
        if (identity != null
            && identity.startsWith(second.identityPrefix())
            && (firstBySecond == null || earlier(e, firstBySecond))) {
          firstBySecond = e;
          firstTypes = scheduledTypes;
        }
        if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
          var done = e.getActivityTaskCompletedEventAttributes();
          for (int i = 0; i < held.size(); i++) {
            FlowScenario.Held h = held.get(i);
            if (h.workflowId().equals(workflowId)
                && h.activityType().equals(scheduledTypes.get(done.getScheduledEventId()))) {
              String who =
                  done.getIdentity().startsWith(second.identityPrefix())
                      ? "worker-2"
                      : done.getIdentity().startsWith(first.identityPrefix())
                          ? "worker-1"
                          : done.getIdentity();
              completedBy.set(
                  i, who + ", attempt " + startedAttempts.get(done.getStartedEventId()));
            }
          }
        }
      }
    }
    List<String> labelled = new ArrayList<>();
    for (int i = 0; i < held.size(); i++) {
      String who = held.get(i).who();
      labelled.add((who == null ? "" : who + ": ") + completedBy.get(i));
    }
    String completed = String.join("; ", labelled);
    if (firstBySecond == null) {
      return new Resume(null, null, "the second worker did nothing", completed);
    }
    Instant at = instant(firstBySecond);
    return new Resume(
        Duration.between(second.startedAt(), at),
        Duration.between(first.jvm().killedAt(), at),
        describe(firstBySecond, firstTypes),
        completed);
  }

  private static boolean earlier(HistoryEvent a, HistoryEvent b) {
    return instant(a).isBefore(instant(b));
  }

  private static Instant instant(HistoryEvent e) {
    return Instant.ofEpochSecond(e.getEventTime().getSeconds(), e.getEventTime().getNanos());
  }

  private static String describe(HistoryEvent e, Map<Long, String> scheduledTypes) {
    String type = e.getEventType().name().replace("EVENT_TYPE_", "").toLowerCase(Locale.ROOT);
    return switch (e.getEventType()) {
      case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
          scheduledTypes.get(e.getActivityTaskStartedEventAttributes().getScheduledEventId())
              + " attempt "
              + e.getActivityTaskStartedEventAttributes().getAttempt()
              + " started";
      case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
          scheduledTypes.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId())
              + " completed";
      default -> type.replace('_', ' ');
    };
  }

  private static String identity(HistoryEvent e) {
    return switch (e.getEventType()) {
      case EVENT_TYPE_WORKFLOW_TASK_STARTED ->
          e.getWorkflowTaskStartedEventAttributes().getIdentity();
      case EVENT_TYPE_WORKFLOW_TASK_COMPLETED ->
          e.getWorkflowTaskCompletedEventAttributes().getIdentity();
      case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
          e.getActivityTaskStartedEventAttributes().getIdentity();
      case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
          e.getActivityTaskCompletedEventAttributes().getIdentity();
      case EVENT_TYPE_ACTIVITY_TASK_FAILED ->
          e.getActivityTaskFailedEventAttributes().getIdentity();
      default -> null;
    };
  }

  /**
   * The standard image with a RUN step that takes 3 s and is never cached (it names the service).
   */
  private static BusyboxImages.Context slowBuild(String service) {
    String run = "RUN [\"/bin/busybox\", \"sh\", \"-c\", \"sleep 3\", \"" + service + "\"]\n";
    String copy = "COPY busybox /bin/busybox\n";
    return BusyboxImages.context()
        .withVersion(service)
        .withDockerfile(BusyboxImages.DOCKERFILE.replace(copy, copy + run));
  }

  private static boolean slowStepRunning(String service) {
    try (DockerClient docker = TestDocker.client()) {
      return docker.listContainersCmd().exec().stream()
          .anyMatch(c -> c.getCommand() != null && c.getCommand().contains(service));
    } catch (IOException e) {
      return false;
    }
  }

  /** A pre-receive hook that, on the first push, waits until the test creates {@code released}. */
  private static String slowPreReceive(Path reached, Path released) {
    return String.join(
        "\n",
        "#!/bin/sh",
        "cat >/dev/null",
        "if [ ! -e '" + released + "' ]; then",
        "  touch '" + reached + "'",
        "  i=0",
        "  while [ ! -e '" + released + "' ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done",
        "fi",
        "exit 0",
        "");
  }

  /** Opens the file lock of the worker's clone of this world's config repo. */
  private static FileChannel lockClone(DeploymentWorld world, Path data) throws IOException {
    Path clone = ConfigRepo.open(world.definitions(), GitOpsSettings.defaults(data)).cloneDir();
    Path lockFile = clone.resolveSibling(clone.getFileName() + ".lock");
    Files.createDirectories(lockFile.getParent());
    return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private static String pointList() {
    StringBuilder out =
        new StringBuilder("Kill points (one deployment each, one SIGKILL for all):\n");
    for (KillPoint point : KillPoint.values()) {
      out.append(String.format("  %-15s %s%n", point.label(), point.inFlight));
    }
    out.append("Kill points in releases and rollbacks (one world each, the same SIGKILL):\n");
    for (FlowKillPoint point : FlowKillPoint.values()) {
      out.append(String.format("  %-27s %s%n", point.label(), point.inFlight));
    }
    return out.toString();
  }

  private static String report() {
    StringBuilder out = new StringBuilder();
    out.append("# Kill suite report\n\n");
    out.append("One SIGKILL of the worker process with the deployments below in flight, then a")
        .append(" new worker process. Heartbeat timeout override: ")
        .append(HEARTBEAT_TIMEOUT.toSeconds())
        .append(" s.\n\n");
    timings.forEach(
        (what, d) -> out.append("- ").append(what).append(": ").append(seconds(d)).append('\n'));
    out.append("\n| kill point | in flight at the kill | outcome | new worker start → moving")
        .append(" | kill → moving | first work by the new worker | step completed by")
        .append(" | repeated calls seen by peers |\n");
    out.append("|---|---|---|---|---|---|---|---|\n");
    for (Scenario s : scenarios.values()) {
      Resume r = s.resume;
      out.append("| ")
          .append(s.point.label())
          .append(" | ")
          .append(s.atKill == null ? "not reached" : s.atKill)
          .append(" | ")
          .append(
              s.failure != null
                  ? "FAILED: " + firstLine(s.failure)
                  : s.result != null ? "succeeded" : "not run")
          .append(" | ")
          .append(r == null || r.afterStart() == null ? "-" : seconds(r.afterStart()))
          .append(" | ")
          .append(r == null || r.afterKill() == null ? "-" : seconds(r.afterKill()))
          .append(" | ")
          .append(r == null ? "-" : r.firstEvent())
          .append(" | ")
          .append(r == null ? "-" : r.completedBy())
          .append(" | ")
          .append(peerCalls(s))
          .append(" |\n");
    }
    for (FlowScenario f : flows.values()) {
      Resume r = f.resume;
      out.append("| ")
          .append(f.point.label())
          .append(" | ")
          .append(f.atKill == null ? "not reached" : f.atKill)
          .append(" | ")
          .append(flowOutcome(f))
          .append(" | ")
          .append(r == null || r.afterStart() == null ? "-" : seconds(r.afterStart()))
          .append(" | ")
          .append(r == null || r.afterKill() == null ? "-" : seconds(r.afterKill()))
          .append(" | ")
          .append(r == null ? "-" : r.firstEvent())
          .append(" | ")
          .append(r == null ? "-" : r.completedBy())
          .append(" | ")
          .append(peerCalls(f))
          .append(" |\n");
    }
    return out.toString();
  }

  private static String flowOutcome(FlowScenario f) {
    if (f.result instanceof ReleaseResult release) {
      return "release " + release.outcome().toLowerCase(Locale.ROOT);
    }
    if (f.result instanceof RollbackResult rollback) {
      return "rollback " + rollback.outcome().toLowerCase(Locale.ROOT);
    }
    if (f.failure != null) {
      return failureType(f.failure)
              .filter(ServiceDeploymentWorkflowImpl.ROLLED_BACK::equals)
              .isPresent()
          ? "deployment rolled back"
          : "FAILED: " + firstLine(f.failure);
    }
    return f.result != null ? "ended without a rollback" : "not run";
  }

  /** The type of the workflow's own failure ({@code RolledBack}, …). */
  static Optional<String> failureType(Throwable failure) {
    Throwable cause = failure;
    while (cause != null) {
      if (cause instanceof ApplicationFailure app) {
        return Optional.ofNullable(app.getType());
      }
      cause = cause.getCause();
    }
    return Optional.empty();
  }

  private static String peerCalls(FlowScenario f) {
    if (f.stack != null) {
      StackWorld w = f.stack;
      return "Consul txn "
          + w.consul().count("PUT", "/v1/txn")
          + ", Marathon PUT "
          + w.services().stream()
              .map(service -> String.valueOf(w.marathon().putBodies("/" + service).size()))
              .collect(Collectors.joining("+"))
          + ", webhook "
          + w.sink().deliveries().size();
    }
    DeploymentWorld w = f.world;
    return "Consul txn "
        + w.consul().count("PUT", "/v1/txn")
        + ", Marathon PUT "
        + w.marathon().putBodies("/" + w.service()).size()
        + ", webhook "
        + w.sink().deliveries().size();
  }

  /** How often the peers were asked to do the side effect: retries that repeated a call. */
  private static String peerCalls(Scenario s) {
    DeploymentWorld w = s.world;
    return "Consul txn "
        + w.consul().count("PUT", "/v1/txn")
        + ", Marathon PUT "
        + w.marathon().putBodies("/" + w.service()).size()
        + ", webhook "
        + w.sink().deliveries().size();
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  private static String firstLine(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = String.valueOf(cause.getMessage());
    return message.lines().findFirst().orElse(message).replace('|', '/');
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      // cleanup must not hide the test's own outcome
    }
  }

  /** How the second worker took over one deployment (or release, or rollback). */
  record Resume(Duration afterStart, Duration afterKill, String firstEvent, String completedBy) {}

  /** One kill point's deployment and its state in the suite. */
  private static final class Scenario {
    final KillPoint point;
    final DeploymentWorld world;
    final String commit;
    final String workflowId;
    String rule;
    BooleanSupplier reached;
    Runnable release = () -> {};
    WorkflowStub stub;
    String atKill;
    Instant reachedAt;
    DeployResult result;
    Throwable failure;
    Resume resume;

    Scenario(KillPoint point, DeploymentWorld world) {
      this.point = point;
      this.world = world;
      this.commit = world.head();
      this.workflowId = world.workflowId(ENV, commit);
    }
  }
}
