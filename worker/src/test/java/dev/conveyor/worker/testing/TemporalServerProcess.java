package dev.conveyor.worker.testing;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's test server as its own process ({@code java -cp … io.temporal.testserver.TestServer
 * <port>}): real time, in memory, on a free loopback port. It outlives the worker processes a test
 * kills, as a Temporal cluster outlives its workers.
 */
public final class TemporalServerProcess implements AutoCloseable {
  private final ChildJvm jvm;
  private final String target;
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;

  private TemporalServerProcess(ChildJvm jvm, String target, WorkflowServiceStubs service) {
    this.jvm = jvm;
    this.target = target;
    this.service = service;
    this.client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setIdentity("kill-suite-test").build());
  }

  public static TemporalServerProcess start(Path dir) {
    int port = RunningWorker.freePort();
    ChildJvm jvm =
        ChildJvm.start(
            "temporal-test-server",
            "io.temporal.testserver.TestServer",
            List.of(Integer.toString(port)),
            Map.of(),
            dir,
            dir.resolve("temporal-test-server.log"));
    String target = "127.0.0.1:" + port;
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        service
            .blockingStub()
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        return new TemporalServerProcess(jvm, target, service);
      } catch (RuntimeException notYet) {
        if (System.nanoTime() > deadline || !jvm.isAlive()) {
          service.shutdownNow();
          jvm.close();
          throw new IllegalStateException(
              "the Temporal test server did not answer on " + target + ":\n" + jvm.tail(), notYet);
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  public String target() {
    return target;
  }

  /** A client of this server for the test (identity {@code kill-suite-test}). */
  public WorkflowClient client() {
    return client;
  }

  public ChildJvm jvm() {
    return jvm;
  }

  @Override
  public void close() {
    service.shutdownNow();
    jvm.kill();
  }
}
