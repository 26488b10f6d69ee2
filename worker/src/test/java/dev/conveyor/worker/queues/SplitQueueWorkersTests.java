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
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import io.temporal.api.enums.v1.EventType;
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
 * registry and Git. A 3-service chain (a ← b ← c) is deployed one service after another (a release
 * will do exactly that once releases exist; this test then becomes a release of the chain). Then
 * the build worker is SIGKILLed in the middle of a build; a new build worker picks the build up
 * again after the activity's heartbeat timeout, and the deployment completes with one config
 * commit.
 */
@RequiresDocker
class SplitQueueWorkersTests {
  private static final String WORKER_MAIN = "dev.conveyor.worker.WorkerApplication";
  private static final String TEST_SERVER_MAIN = "io.temporal.testserver.TestServer";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DEPLOY_TIMEOUT = Duration.ofSeconds(90);

  /** The build's heartbeat timeout (1 min) decides when the killed attempt is retried. */
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(150);

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
  void buildsRunOnlyOnTheBuildWorkerAndABuildSurvivesItsWorkersSigkill() throws Exception {
    String run = env.substring(env.indexOf('-') + 1);
    List<String> chain = List.of("a-" + run, "b-" + run, "c-" + run);
    List<String> commits = new ArrayList<>();
    for (String service : chain) {
      commits.add(
          SourceRepos.bareWithCommit(
                  dir.resolve(service + ".git"),
                  BusyboxImages.context().withVersion(service).files())
              .commit());
    }
    ConfigRepoFixture config = ConfigRepoFixture.create(dir);
    for (String service : chain) {
      config.pushFile("marathon/" + service + ".json", appTemplate(service), "add " + service);
    }
    config.pushFile("conveyor.yaml", definitions(chain), "deploy the chain to " + env);

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

    // The chain in dependency order, each started once the one before it is healthy.
    for (int i = 0; i < chain.size(); i++) {
      DeployResult result =
          deploy(client, config.remote(), chain.get(i), commits.get(i))
              .getResult(DEPLOY_TIMEOUT.toSeconds(), TimeUnit.SECONDS, DeployResult.class);
      assertThat(result.reused()).as(chain.get(i) + " was built, not reused").isFalse();
      assertThat(result.image()).contains("/" + chain.get(i) + "@sha256:");
    }

    progress("the chain is deployed");
    PrometheusScrape buildMetrics = PrometheusScrape.of(buildPort);
    PrometheusScrape controlMetrics = PrometheusScrape.of(controlPort);
    assertThat(buildMetrics.sum(stepCount(), Map.of("step", "Build", "outcome", "success")))
        .isEqualTo(3);
    assertThat(buildMetrics.sum(stepCount(), Map.of("step", "Push", "outcome", "success")))
        .isEqualTo(3);
    assertThat(buildMetrics.sum(stepCount(), Map.of("step", "Resolve"))).isZero();
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "Build"))).isZero();
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "Push"))).isZero();
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "Resolve", "outcome", "success")))
        .isEqualTo(3);
    assertThat(controlMetrics.sum(stepCount(), Map.of("step", "AwaitHealthy"))).isEqualTo(3);
    assertThat(build.output()).contains("built 127.0.0.1:5000/" + chain.get(2));
    assertThat(control.output()).doesNotContain(": built ");

    // A new commit of the first service whose build takes a while, and a build worker that dies
    // in the middle of it.
    String marker = run + "-slow";
    String slowCommit =
        SourceRepos.commit(
            dir.resolve(chain.get(0) + ".git"),
            BusyboxImages.context()
                .withVersion(chain.get(0) + "-2")
                .withDockerfileLines(
                    "RUN [\"/bin/busybox\", \"sh\", \"-c\", \"sleep 4 # " + marker + "\"]")
                .files(),
            "slow build");
    WorkflowStub slow = deploy(client, config.remote(), chain.get(0), slowCommit);
    String slowId = WorkflowIds.deployment(env, chain.get(0), slowCommit);
    awaitBuildStepRunning(marker);
    build.kill();
    progress("build worker killed in the middle of the slow build");
    assertThat(slow.getExecution()).isNotNull();

    ChildJvm secondBuild =
        startWorker("build-worker-2", "build", ChildJvm.freePort(), temporalPort);
    // While Temporal waits for the killed build's heartbeat timeout: Conveyor's deployment
    // counters and the SDK's worker metrics share the control worker's endpoint.
    awaitDeploymentsCounted(controlPort, chain.get(1));
    DeployResult recovered =
        slow.getResult(RECOVERY_TIMEOUT.toSeconds(), TimeUnit.SECONDS, DeployResult.class);

    progress("the slow deployment completed on the new build worker");
    assertThat(recovered.reused()).isFalse();
    assertThat(secondBuild.output()).contains("built 127.0.0.1:5000/" + chain.get(0));
    assertThat(buildAttempts(client, slowId)).as("attempts of the Build activity").isEqualTo(2);
    String commitsOfDeployment =
        config
            .git()
            .run(
                config.remote(),
                "log",
                "--format=%H",
                "--fixed-strings",
                "--grep=Conveyor-Workflow-Id: " + slowId,
                "main");
    assertThat(commitsOfDeployment.strip().lines()).as("config commits of " + slowId).hasSize(1);
    assertThat(commitsOfDeployment.strip()).isEqualTo(recovered.configCommit());
    config.git().run(config.remote(), "fsck", "--strict");
  }

  /** Where the time goes: the recovery waits for the build's one-minute heartbeat timeout. */
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
            "--spring.temporal.connection.target=127.0.0.1:" + temporalPort,
            "--server.port=" + httpPort,
            "--conveyor.worker.data-dir=" + dir.resolve(queues + "-data")));
  }

  private WorkflowStub deploy(
      WorkflowClient client, Path definitions, String service, String commit) {
    String id = WorkflowIds.deployment(env, service, commit);
    workflowIds.add(id);
    ServiceDeploymentWorkflow workflow =
        client.newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(id)
                .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                .build());
    WorkflowClient.start(
        workflow::deploy,
        new DeployRequest(definitions.toString(), env, service, commit, "scale-test", false));
    return WorkflowStub.fromTyped(workflow);
  }

  /** Waits until the engine runs the Dockerfile step that carries {@code marker}. */
  private void awaitBuildStepRunning(String marker) throws InterruptedException {
    Instant deadline = Instant.now().plus(DEPLOY_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      for (Container container : docker.listContainersCmd().exec()) {
        if (container.getCommand() != null && container.getCommand().contains(marker)) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the slow build step never started");
  }

  /** How many times the Build activity was started, from the workflow's history. */
  private static long buildAttempts(WorkflowClient client, String workflowId) {
    List<HistoryEvent> events = client.fetchHistory(workflowId).getHistory().getEventsList();
    long scheduledBuild =
        events.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
            .filter(
                e ->
                    e.getActivityTaskScheduledEventAttributes()
                        .getActivityType()
                        .getName()
                        .equals("Build"))
            .map(HistoryEvent::getEventId)
            .findFirst()
            .orElseThrow();
    // A started event is written once per activity, with the attempt that completed it.
    return events.stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
        .filter(
            e -> e.getActivityTaskStartedEventAttributes().getScheduledEventId() == scheduledBuild)
        .mapToLong(e -> e.getActivityTaskStartedEventAttributes().getAttempt())
        .findFirst()
        .orElseThrow();
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
