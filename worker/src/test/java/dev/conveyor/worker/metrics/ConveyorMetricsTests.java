package dev.conveyor.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.FinishResult;
import dev.conveyor.workflows.steps.DeployActivities.HealthReport;
import dev.conveyor.workflows.steps.DeployActivities.HealthRequest;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.HealthSpec;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import dev.conveyor.workflows.steps.NotifyActivities.NotifyResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conveyor's metrics from the worker interceptor. Deployments are replayed on purpose (the full
 * history through the same worker, as after a crash or a cache eviction): a counter that is not
 * replay-safe would count each deployment again.
 */
class ConveyorMetricsTests {
  private static final String QUEUE = "metrics-test";

  /** How often the workflow method ran, replays included. */
  static final AtomicInteger EXECUTIONS = new AtomicInteger();

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private Scope scope;
  private TestWorkflowEnvironment temporal;
  private WorkflowClient client;
  private Worker worker;

  @BeforeEach
  void startWorker() {
    EXECUTIONS.set(0);
    scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofMillis(50));
    temporal =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setMetricsScope(scope)
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(
                            new MetricsConfiguration().conveyorMetricsInterceptor(registry))
                        .build())
                .build());
    worker = temporal.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(ProbeDeploymentImpl.class);
    worker.registerActivitiesImplementations(new FlakyNotifier(), new InstantHealth());
    temporal.start();
    client = temporal.getWorkflowClient();
  }

  @AfterEach
  void stop() throws Exception {
    temporal.close();
    scope.close();
  }

  @Test
  void countsEachDeploymentOnceThoughItsWorkflowReplays() throws Exception {
    stub("deploy/qa/web/1").deploy(request("web"));
    ProbeDeployment bad = stub("deploy/qa/api/1");
    assertThatThrownBy(() -> bad.deploy(request("api")))
        .isInstanceOf(WorkflowFailedException.class);
    int executions = EXECUTIONS.get();
    for (int i = 0; i < 3; i++) {
      WorkflowReplayer.replayWorkflowExecution(client.fetchHistory("deploy/qa/web/1"), worker);
      WorkflowReplayer.replayWorkflowExecution(client.fetchHistory("deploy/qa/api/1"), worker);
    }
    scope.close(); // flushes what the SDK's scope holds to Micrometer

    assertThat(EXECUTIONS.get()).as("workflow method runs").isEqualTo(executions + 6);
    assertThat(count(DeploymentOutcomes.STARTED, "web")).isEqualTo(1);
    assertThat(count(DeploymentOutcomes.SUCCEEDED, "web")).isEqualTo(1);
    assertThat(count(DeploymentOutcomes.FAILED, "web")).isZero();
    assertThat(count(DeploymentOutcomes.STARTED, "api")).isEqualTo(1);
    assertThat(count(DeploymentOutcomes.FAILED, "api")).isEqualTo(1);
    assertThat(count(DeploymentOutcomes.SUCCEEDED, "api")).isZero();
  }

  @Test
  void timesEveryActivityAttemptAndCountsFailedNotifications() {
    stub("deploy/qa/web/2").deploy(request("web"));

    assertThat(
            registry
                .get(StepTimings.STEP_DURATION)
                .tags("step", "Send", "outcome", "failure")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get(StepTimings.STEP_DURATION)
                .tags("step", "Send", "outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get(StepTimings.NOTIFY_FAILURES)
                .tags("type", "chat", "env", "qa", "service", "web")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get(StepTimings.HEALTH_WAIT)
                .tags("env", "qa", "service", "web", "outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
  }

  private double count(String name, String service) {
    return registry.find(name).tag("service", service).tag("env", "qa").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private ProbeDeployment stub(String id) {
    return client.newWorkflowStub(
        ProbeDeployment.class,
        WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
  }

  private static DeployRequest request(String service) {
    return new DeployRequest("/defs", "qa", service, "1", "test", false);
  }

  /** A stand-in deployment: a health gate, a notification (fails once), a timer. */
  @WorkflowInterface
  public interface ProbeDeployment {
    @WorkflowMethod
    String deploy(DeployRequest request);

    @QueryMethod
    String status();
  }

  public static class ProbeDeploymentImpl implements ProbeDeployment {
    private static final ActivityOptions OPTIONS =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(10))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofMillis(10))
                    .setMaximumAttempts(2)
                    .build())
            .build();

    private final NotifyActivities notifier =
        Workflow.newActivityStub(NotifyActivities.class, OPTIONS);
    private final DeployActivities targets =
        Workflow.newActivityStub(DeployActivities.class, OPTIONS);
    private String state = "running";

    @Override
    public String deploy(DeployRequest request) {
      EXECUTIONS.incrementAndGet();
      TargetRequest target =
          new TargetRequest(
              "docker",
              request.env(),
              request.service(),
              "/" + request.service(),
              null,
              request.definitions(),
              "c0",
              "marathon/x.json",
              "image",
              request.commit(),
              new HealthSpec("/health", 8080, 60),
              Workflow.getInfo().getWorkflowId(),
              false);
      targets.awaitHealthy(new HealthRequest(target, new TargetDeployment("d", "v", null, false)));
      Workflow.sleep(Duration.ofSeconds(5));
      if (request.service().equals("api")) {
        state = "failed";
        throw ApplicationFailure.newNonRetryableFailure("health gate failed", "Probe");
      }
      notifier.send(
          new Notification(
              new NotifierSpec("chat", "https://chat.invalid", Map.of()),
              "key",
              Workflow.getInfo().getWorkflowId(),
              request.env(),
              request.service(),
              request.commit(),
              "image",
              "SUCCEEDED",
              null,
              null,
              "test",
              List.of()));
      state = "succeeded";
      return state;
    }

    @Override
    public String status() {
      return state;
    }
  }

  /** Fails the first send of each workflow, succeeds on the retry. */
  static final class FlakyNotifier implements NotifyActivities {
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public NotifyResult send(Notification notification) {
      if (calls.incrementAndGet() % 2 == 1) {
        throw new IllegalStateException("chat is down");
      }
      return new NotifyResult("chat", "sent");
    }
  }

  static final class InstantHealth implements DeployActivities {
    @Override
    public TargetDeployment deploy(TargetRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public HealthReport awaitHealthy(HealthRequest request) {
      return new HealthReport(1, 1, "1/1 healthy");
    }

    @Override
    public FinishResult finish(FinishRequest request) {
      throw new UnsupportedOperationException();
    }
  }
}
