package dev.conveyor.bench;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.release.StackReleaseWorkflowImpl;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;

/**
 * Temporal's in-process test server with time skipping locked (real time: every timer and sleep
 * takes as long as it says, so wall times are honest), one worker process's factory with the
 * control and build workers, the real workflow implementations and the given activity objects, and
 * the SDK's metrics in a Micrometer registry.
 */
final class BenchServer implements AutoCloseable {
  private final TestServer.InProcessTestServer server;
  private final WorkflowServiceStubs service;
  private final WorkerFactory factory;
  private final WorkflowClient client;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Scope scope;

  private static volatile boolean patchLockList = true;

  /** Whether servers created from now on get {@link TestServerLockList} (the default). */
  static void patchLockList(boolean patch) {
    patchLockList = patch;
  }

  /** What the results record about the server the scenario ran on. */
  static String describeServer() {
    return patchLockList
        ? "in-process test server, lock list patched (TestServerLockList)"
        : "in-process test server as shipped";
  }

  BenchServer(WorkerTuning tuning, Object buildActivities, Object... controlActivities) {
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.TIMER) {
                  return config;
                }
                return DistributionStatisticConfig.builder()
                    .percentiles(0.5, 0.99)
                    .percentilePrecision(2)
                    .expiry(Duration.ofHours(1))
                    .bufferLength(1)
                    .build()
                    .merge(config);
              }
            });
    scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofMillis(200));
    server = TestServer.createServer(true);
    if (patchLockList) {
      TestServerLockList.install(server);
    }
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setChannel(server.getChannel())
                .setMetricsScope(scope)
                .build());
    registerSearchAttributes();
    client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkflowCacheSize(tuning.cacheSize())
                .setMaxWorkflowThreadCount(tuning.cacheThreads())
                .build());
    Worker control =
        factory.newWorker(
            TaskQueues.CONTROL,
            WorkerOptions.newBuilder()
                .setMaxConcurrentActivityExecutionSize(tuning.controlActivities())
                .setMaxConcurrentWorkflowTaskExecutionSize(tuning.controlWorkflowTasks())
                .setMaxConcurrentActivityTaskPollers(tuning.controlActivityPollers())
                .setMaxConcurrentWorkflowTaskPollers(tuning.controlWorkflowPollers())
                .build());
    control.registerWorkflowImplementationTypes(
        ServiceDeploymentWorkflowImpl.class,
        ServiceLaneWorkflowImpl.class,
        StackReleaseWorkflowImpl.class);
    control.registerActivitiesImplementations(controlActivities);
    Worker build =
        factory.newWorker(
            TaskQueues.BUILD,
            WorkerOptions.newBuilder()
                .setMaxConcurrentActivityExecutionSize(tuning.buildActivities())
                .setMaxConcurrentActivityTaskPollers(tuning.buildPollers())
                .build());
    build.registerActivitiesImplementations(buildActivities);
    factory.start();
  }

  WorkflowClient client() {
    return client;
  }

  SimpleMeterRegistry metrics() {
    return registry;
  }

  /** The workflows upsert Conveyor's search attributes: unregistered, they would hang. */
  private void registerSearchAttributes() {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(server.getChannel())
                .validateAndBuildWithDefaults());
    AddSearchAttributesRequest.Builder add =
        AddSearchAttributesRequest.newBuilder().setNamespace("default");
    for (SearchAttributeKey<String> key : SearchAttributes.ALL) {
      add.putSearchAttributes(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    try {
      operator.blockingStub().addSearchAttributes(add.build());
    } finally {
      operator.shutdownNow();
    }
  }

  @Override
  public void close() {
    factory.shutdownNow();
    factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    try {
      scope.close();
    } catch (com.uber.m3.tally.ScopeCloseException ignored) {
      // nothing left to report
    }
    service.shutdownNow();
    server.close();
  }
}
