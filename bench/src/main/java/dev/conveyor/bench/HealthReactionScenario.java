package dev.conveyor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.marathon.MarathonSettings;
import dev.conveyor.activities.marathon.MarathonTarget;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.target.DeployActivitiesImpl;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.steps.DeployActivities;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark 2: how soon after the app turns healthy on Marathon the next step (finish) starts. The
 * real {@code DeployActivitiesImpl} and {@code MarathonTarget} run the deploy step and the health
 * gate against the Marathon simulator, whose tasks turn healthy a seeded random 300-1300 ms after
 * the PUT; the other steps are fakes. The healthy moment is the deployment's version (the PUT's
 * instant, as Marathon stamps it) plus that delay.
 */
final class HealthReactionScenario {
  /** The worker's health-gate poll interval (ActivitiesConfiguration.HEALTH_POLL). */
  static final Duration WORKER_POLL = Duration.ofSeconds(1);

  private static final ObjectMapper JSON = new ObjectMapper();

  record Params(String gate, int deployments, long seed) {
    Params {
      if (!gate.equals("poll") && !gate.equals("events")) {
        throw new IllegalArgumentException("--gate takes poll or events, got '" + gate + "'");
      }
    }

    Map<String, Object> asMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("gate", gate);
      map.put("deployments", deployments);
      map.put("concurrency", 4);
      map.put("seed", seed);
      map.put("healthyAfterMillis", "uniform 300-1300 per service");
      map.put("pollInterval", WORKER_POLL.toString());
      map.put("eventsSafetyPoll", MarathonSettings.EVENTS_SAFETY_POLL.toString());
      return map;
    }
  }

  Map<String, Object> run(Params p) throws Exception {
    Map<String, Long> healthyAfter = new ConcurrentHashMap<>();
    Map<String, Long> finishStarted = new ConcurrentHashMap<>();
    Map<String, String> versions = new ConcurrentHashMap<>();
    Random random = new Random(p.seed());
    List<String> services = new ArrayList<>();
    for (int i = 0; i < p.deployments(); i++) {
      String service = String.format("app-%03d", i);
      services.add(service);
      healthyAfter.put(service, 300L + random.nextInt(1001));
    }
    Map<String, Object> result = new LinkedHashMap<>();
    try (MarathonSimulator marathon = MarathonSimulator.start();
        MarathonTarget target =
            new MarathonTarget(MarathonSettings.defaults().withEvents(p.gate().equals("events")))) {
      services.forEach(
          s -> marathon.tasksHealthyAfter("/" + s, Duration.ofMillis(healthyAfter.get(s))));
      DeployActivities real =
          new DeployActivitiesImpl(
              List.of(target), (definitions, commit, path) -> app(path), WORKER_POLL);
      DeployActivities timed = new Timed(real, versions, finishStarted);
      FakeSteps fakes = new FakeSteps(StepDurations.instant(), new Recorder());
      fakes.target("marathon", marathon.url(), 60);
      try (BenchServer server =
          new BenchServer(WorkerTuning.workerDefaults(), fakes.build(), fakes.control(), timed)) {
        WorkflowClient client = server.client();
        OverheadScenario.deploy(client, "warmup", "app-warmup", FakeSteps.commitOf("w"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
          List<Future<DeployResult>> runs = new ArrayList<>();
          for (String service : services) {
            runs.add(pool.submit(() -> deploy(client, service)));
          }
          for (Future<DeployResult> run : runs) {
            run.get();
          }
        } finally {
          pool.shutdownNow();
        }
      }
    }
    List<Long> reaction = new ArrayList<>();
    for (String service : services) {
      Instant put = Instant.parse(versions.get(service));
      long healthyAt = put.toEpochMilli() + healthyAfter.get(service);
      reaction.add(finishStarted.get(service) - healthyAt);
    }
    result.put("reactionMillis", Stats.summary(reaction));
    return result;
  }

  private static DeployResult deploy(WorkflowClient client, String service) {
    String commit = FakeSteps.commitOf("health/" + service);
    ServiceDeploymentWorkflow deployment =
        client.newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.deployment("health", service, commit))
                .setTaskQueue(TaskQueues.CONTROL)
                .build());
    return deployment.deploy(
        new DeployRequest(FakeSteps.DEFINITIONS, "health", service, commit, "bench", false));
  }

  /** {@code marathon/<env>/<service>.json}: one instance with a Marathon HTTP health check. */
  private static ObjectNode app(String path) {
    String service = path.substring(path.lastIndexOf('/') + 1, path.length() - ".json".length());
    ObjectNode app = JSON.createObjectNode().put("id", "/" + service).put("instances", 1);
    app.putObject("container")
        .put("type", "DOCKER")
        .putObject("docker")
        .put("image", "bench.local:5000/" + service + "@" + FakeSteps.digestOf(service));
    app.putArray("healthChecks").addObject().put("protocol", "MARATHON_HTTP").put("path", "/h");
    return app;
  }

  /** The real deploy and gate; records the deployment's version and when finish starts. */
  private record Timed(
      DeployActivities real, Map<String, String> versions, Map<String, Long> finishStarted)
      implements DeployActivities {
    @Override
    public TargetDeployment deploy(TargetRequest request) {
      TargetDeployment deployment = real.deploy(request);
      versions.put(request.service(), deployment.version());
      return deployment;
    }

    @Override
    public HealthReport awaitHealthy(HealthRequest request) {
      return real.awaitHealthy(request);
    }

    @Override
    public FinishResult finish(FinishRequest request) {
      finishStarted.putIfAbsent(request.target().service(), System.currentTimeMillis());
      return new FinishResult("nothing to retire");
    }
  }
}
