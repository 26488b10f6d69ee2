package dev.conveyor.worker.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out, proven with real processes: a standalone Temporal test server, one worker JVM that
 * serves only the build queue and one that serves only the control queue, the real Docker engine,
 * registry and Git. One release of a 3-service chain (a &lt;- b &lt;- c) runs through them, and in
 * the middle of it the build worker is SIGKILLed while it builds a: b and c are built and wait at
 * their gates (they need a healthy), a's slow build step runs in the engine. A new build worker
 * takes a's build over once Temporal notices the dead one (the control worker sets the crash tests'
 * heartbeat timeout), and the release completes with one config commit per service.
 *
 * <p>One release proves both halves of the claim at once. Routing: every Build and Push activity of
 * the release was started by a build worker and every other activity and workflow task by the
 * control worker (identities in the histories), b's and c's builds completed on the first build
 * worker, a's (attempt 2) on the second, the control worker counted no build and logged none.
 * Survival: a's build is retried on the new build worker and nothing is done twice.
 */
@RequiresDocker
class SplitQueueWorkersTests {
  private static final String WORKER_MAIN = "dev.conveyor.worker.WorkerApplication";
  private static final String TEST_SERVER_MAIN = "io.temporal.testserver.TestServer";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration TO_THE_KILL = Duration.ofSeconds(90);

  /**
   * Temporal notices the killed build worker when the build's heartbeat times out; the control
   * worker overrides that timeout (production: 1 min) as the kill suite does.
   */
  private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(15);

  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(180);

  @TempDir Path dir;

  private final List<ChildJvm> children = new ArrayList<>();
  private final List<String> workflowIds = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private DockerClient docker;
  private WorkflowServiceStubs service;
  private String env;

  @BeforeEach
  void openDocker() {
    docker = TestDocker.client();
    env = TestDocker.uniqueName("scale");
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      for (ChildJvm child : children) {
        child.kill();
      }
      if (service != null) {
        service.shutdownNow();
      }
    } finally {
      TestDocker.removeContainers(docker, "dev.conveyor.env", env);
      // By label only: the engine is shared with other test runs, whose intermediate build
      // images look dangling too.
      for (String id : workflowIds) {
        TestDocker.removeImages(docker, "dev.conveyor.workflow-id", id);
      }
      docker.close();
    }
  }

  @Test
  void aReleaseBuildsOnlyOnTheBuildWorkerAndSurvivesItsSigkillMidBuild() throws Exception {
    String run = env.substring(env.indexOf('-') + 1);
    List<String> chain = List.of("a-" + run, "b-" + run, "c-" + run);
    // a's build has a slow step, so the build worker can be killed in the middle of it
    String marker = run + "-slow";
    Map<String, String> commits = new LinkedHashMap<>();
    for (String service : chain) {
      BusyboxImages.Context context = BusyboxImages.context().withVersion(service);
      if (service.equals(chain.get(0))) {
        context =
            context.withDockerfileLines(
                "RUN [\"/bin/busybox\", \"sh\", \"-c\", \"sleep 12 # " + marker + "\"]");
      }
      commits.put(
          service,
          SourceRepos.bareWithCommit(dir.resolve(service + ".git"), context.files()).commit());
    }
    ConfigRepoFixture config = ConfigRepoFixture.create(dir);
    for (String service : chain) {
      config.pushFile("marathon/" + service + ".json", appTemplate(service), "add " + service);
    }
    config.pushFile("conveyor.yaml", definitions(chain), "deploy the chain to " + env);
    int commitsBefore = config.commitCount("main");

    int temporalPort = ChildJvm.freePort();
    ChildJvm server =
        start("temporal-test-server", TEST_SERVER_MAIN, List.of(Integer.toString(temporalPort)));
    server.awaitPort(temporalPort, START_TIMEOUT);

    int controlPort = ChildJvm.freePort();
    int buildPort = ChildJvm.freePort();
    ChildJvm control = startWorker("control-worker", "control", controlPort, temporalPort);
    ChildJvm build = startWorker("build-worker", "build", buildPort, temporalPort);
    control.awaitOutput("connected to Temporal", START_TIMEOUT);
    build.awaitOutput("connected to Temporal", START_TIMEOUT);
    progress("both workers connected");
    assertThat(control.output()).contains("serving task queues: control");
    assertThat(build.output()).contains("serving task queues: build");

    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + temporalPort)
                .build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace("default").build());

    String releaseId = WorkflowIds.release(env, "chain", "r1");
    workflowIds.add(releaseId);
    chain.forEach(s -> workflowIds.add(WorkflowIds.deployment(env, s, commits.get(s))));
    StackReleaseWorkflow release =
        client.newWorkflowStub(
            StackReleaseWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(releaseId)
                .setWorkflowExecutionTimeout(RELEASE_TIMEOUT.plusMinutes(1))
                .build());
    WorkflowClient.start(
        release::release,
        new ReleaseRequest(
            config.remote().toString(),
            env,
            "chain",
            List.of(),
            Map.of(),
            "scale-test",
            false,
            0,
            0));

    // b and c built and waiting for a; a's slow build step running in the engine
    awaitBeforeTheKill(release, chain, marker);
    build.kill();
    progress("build worker killed in the middle of a's build; b and c wait at their gates");
    assertThat(build.output()).contains("built 127.0.0.1:5000/" + chain.get(1));
    assertThat(build.output()).contains("built 127.0.0.1:5000/" + chain.get(2));

    int secondBuildPort = ChildJvm.freePort();
    ChildJvm secondBuild = startWorker("build-worker-2", "build", secondBuildPort, temporalPort);
    ReleaseResult result =
        WorkflowStub.fromTyped(release)
            .getResult(RELEASE_TIMEOUT.toSeconds(), TimeUnit.SECONDS, ReleaseResult.class);
    progress("the release completed");

    assertThat(result.outcome()).isEqualTo("SUCCEEDED");
    assertThat(result.services())
        .extracting(ServiceRelease::service)
        .containsExactlyElementsOf(chain);
    for (ServiceRelease released : result.services()) {
      assertThat(released.state()).as(released.service()).isEqualTo(ServiceState.SUCCEEDED);
      assertThat(released.image()).contains("/" + released.service() + "@sha256:");
      // one config commit per service, the one the release reports
      String commitsOfDeployment =
          config
              .git()
              .run(
                  config.remote(),
                  "log",
                  "--format=%H",
                  "--fixed-strings",
                  "--grep=Conveyor-Workflow-Id: " + released.workflowId(),
                  "main");
      assertThat(commitsOfDeployment.strip().lines())
          .as("config commits of " + released.workflowId())
          .containsExactly(released.configCommit());
    }
    assertThat(config.commitCount("main")).isEqualTo(commitsBefore + chain.size());
    config.git().run(config.remote(), "fsck", "--strict");

    // routing, from the histories: who started every activity and workflow task
    String controlId = control.pid() + "@";
    String firstBuildId = build.pid() + "@";
    String secondBuildId = secondBuild.pid() + "@";
    Map<String, List<String>> buildsBy = new LinkedHashMap<>();
    for (String id : workflowIds) {
      for (Started started : startedEvents(client, id)) {
        if (started.type().equals("Build") || started.type().equals("Push")) {
          assertThat(started.identity())
              .as("%s of %s ran on a build worker", started.type(), id)
              .satisfiesAnyOf(
                  who -> assertThat(who).startsWith(firstBuildId),
                  who -> assertThat(who).startsWith(secondBuildId));
          if (started.type().equals("Build")) {
            buildsBy
                .computeIfAbsent(id, k -> new ArrayList<>())
                .add(started.identity() + " attempt " + started.attempt());
          }
        } else {
          assertThat(started.identity())
              .as("%s of %s ran on the control worker", started.type(), id)
              .startsWith(controlId);
        }
      }
    }
    String a = WorkflowIds.deployment(env, chain.get(0), commits.get(chain.get(0)));
    assertThat(buildsBy.get(a))
        .as("a's build: retried on the new build worker")
        .singleElement()
        .satisfies(b -> assertThat(b).startsWith(secondBuildId).endsWith("attempt 2"));
    for (String service : chain.subList(1, 3)) {
      assertThat(buildsBy.get(WorkflowIds.deployment(env, service, commits.get(service))))
          .as(service + "'s build: on the first build worker, once")
          .singleElement()
          .satisfies(b -> assertThat(b).startsWith(firstBuildId).endsWith("attempt 1"));
    }

    // routing, from the logs and metrics
    assertThat(secondBuild.output()).contains("built 127.0.0.1:5000/" + chain.get(0));
    assertThat(control.output()).doesNotContain(": built ");
    PrometheusScrape buildMetrics = PrometheusScrape.of(secondBuildPort);
    PrometheusScrape controlMetrics = PrometheusScrape.of(controlPort);
    assertThat(buildMetrics.sum(stepCount(), Map.of("step", "Build", "outcome", "success")))
        .isEqualTo(1);
    assertThat(buildMetrics.sum(stepCount(), Map.of("step", "Push", "outcome", "success")))
        .isEqualTo(1);
    assertThat(buildMetrics.sum(stepCount(), Map.of("step", "Resolve"))).isZero();
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "Build"))).isZero();
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "Push"))).isZero();
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "Resolve", "outcome", "success")))
        .isEqualTo(3);
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "AwaitHealthy"))).isEqualTo(3);
    // Conveyor's deployment counters and the SDK's worker metrics share the control worker's
    // endpoint.
    awaitDeploymentsCounted(controlPort, chain.get(1));
  }

  /** Where the time goes: the recovery waits for the build's heartbeat timeout. */
  private void progress(String what) {
    System.out.printf(
        "SplitQueueWorkersTests +%.1fs: %s%n", (System.nanoTime() - startNanos) / 1e9, what);
  }

  private ChildJvm start(String name, String main, List<String> args) {
    ChildJvm child = ChildJvm.start(name, dir.resolve("logs/" + name + ".log"), main, args);
    children.add(child);
    return child;
  }

  private ChildJvm startWorker(String name, String queues, int httpPort, int temporalPort) {
    return start(
        name,
        WORKER_MAIN,
        List.of(
            "--conveyor.worker.queues=" + queues,
            // read by the worker that runs the workflows: the activities' heartbeat timeout
            "--conveyor.worker.test.heartbeat-timeout=" + HEARTBEAT_TIMEOUT.toSeconds() + "s",
            "--spring.temporal.connection.target=127.0.0.1:" + temporalPort,
            "--server.port=" + httpPort,
            "--conveyor.worker.data-dir=" + dir.resolve(queues + "-data")));
  }

  /** Waits until b and c are built and wait at their gates while a's slow step runs. */
  private void awaitBeforeTheKill(StackReleaseWorkflow release, List<String> chain, String marker)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(TO_THE_KILL);
    String last = "no status yet";
    while (Instant.now().isBefore(deadline)) {
      try {
        Map<String, ServiceState> states = new LinkedHashMap<>();
        release.status().services().forEach(s -> states.put(s.service(), s.state()));
        last = states.toString();
        if (states.get(chain.get(1)) == ServiceState.WAITING
            && states.get(chain.get(2)) == ServiceState.WAITING
            && states.get(chain.get(0)) == ServiceState.BUILDING) {
          if (slowStepRunning(marker)) {
            return;
          }
        }
      } catch (RuntimeException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "never saw b and c built while a's slow build step ran; last release status: " + last);
  }

  private boolean slowStepRunning(String marker) {
    for (Container container : docker.listContainersCmd().exec()) {
      if (container.getCommand() != null && container.getCommand().contains(marker)) {
        return true;
      }
    }
    return false;
  }

  /** An activity or workflow task as its history records it: who started it, which attempt. */
  private record Started(String type, String identity, int attempt) {}

  private static List<Started> startedEvents(WorkflowClient client, String workflowId) {
    List<HistoryEvent> events = client.fetchHistory(workflowId).getHistory().getEventsList();
    Map<Long, String> scheduled = new HashMap<>();
    List<Started> started = new ArrayList<>();
    for (HistoryEvent e : events) {
      switch (e.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ->
            scheduled.put(
                e.getEventId(),
                e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
        case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
          var attributes = e.getActivityTaskStartedEventAttributes();
          started.add(
              new Started(
                  scheduled.get(attributes.getScheduledEventId()),
                  attributes.getIdentity(),
                  attributes.getAttempt()));
        }
        case EVENT_TYPE_WORKFLOW_TASK_STARTED ->
            started.add(
                new Started(
                    "workflow task", e.getWorkflowTaskStartedEventAttributes().getIdentity(), 0));
        default -> {}
      }
    }
    return started;
  }

  /**
   * The deployment counters (from the workflow's metrics scope) and the SDK's own worker metrics go
   * through the SDK's metrics scope, which reports to Micrometer every 10 seconds.
   */
  private static void awaitDeploymentsCounted(int port, String service) throws Exception {
    Instant deadline = Instant.now().plusSeconds(30);
    Map<String, String> labels = Map.of("service", service);
    Map<String, String> sdkLabels =
        Map.of("task_queue", TaskQueues.CONTROL, "workflow_type", "ServiceDeploymentWorkflow");
    while (true) {
      PrometheusScrape scrape = PrometheusScrape.of(port);
      double started = scrape.sum("conveyor_deployments_started_total", labels);
      double succeeded = scrape.sum("conveyor_deployments_succeeded_total", labels);
      double completed = scrape.sum("temporal_workflow_completed_total", sdkLabels);
      if (started == 1 && succeeded == 1 && completed == 3) {
        assertThat(scrape.sum("conveyor_deployments_failed_total", labels)).isZero();
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "after 3 deployments, "
                + service
                + " was counted as started "
                + started
                + " and succeeded "
                + succeeded
                + " times, and the SDK counted "
                + completed
                + " completed workflows");
      }
      Thread.sleep(500);
    }
  }

  private static String stepCount() {
    return "conveyor_step_duration_seconds_count";
  }

  private String definitions(List<String> chain) {
    StringBuilder yaml =
        new StringBuilder()
            .append("version: 1\n")
            .append("registry: ")
            .append(DockerRequired.registry())
            .append("\n")
            .append("environments:\n")
            .append("  ")
            .append(env)
            // A short bake window: the test waits for each deployment's end.
            .append(":\n    target: docker\n    bake: 1s\n")
            .append("services:\n");
    for (int i = 0; i < chain.size(); i++) {
      String service = chain.get(i);
      yaml.append("  ").append(service).append(":\n");
      yaml.append("    repo: ../").append(service).append(".git\n");
      yaml.append("    app: marathon/").append(service).append(".json\n");
      yaml.append("    health: { path: /health, port: 8080, timeout: 1m }\n");
      if (i > 0) {
        yaml.append("    dependsOn: [").append(chain.get(i - 1)).append("]\n");
      }
    }
    yaml.append("stacks:\n  chain: [").append(String.join(", ", chain)).append("]\n");
    return yaml.toString();
  }

  private static String appTemplate(String service) {
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
              "portMappings": [ { "containerPort": 8080, "hostPort": 0, "protocol": "tcp" } ]
            }
          },
          "healthChecks": [
            { "protocol": "HTTP", "path": "/health", "portIndex": 0, "maxConsecutiveFailures": 3 }
          ]
        }
        """
        .formatted(service);
  }
}
