package dev.conveyor.cli;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.deploy.DeployRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The official Temporal test server (temporal-testing brings it) running as its own process, as the
 * architecture asks for process-level tests; no worker, so started workflows just wait.
 */
public final class TemporalTestServer implements AutoCloseable {
  private final int port;
  private final Process process;
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;

  private TemporalTestServer(int port, Process process, WorkflowServiceStubs service) {
    this.port = port;
    this.process = process;
    this.service = service;
    this.client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
  }

  /** A port nothing listens on now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts a server on {@code port}, waits until it answers, registers Conveyor's attributes. */
  public static TemporalTestServer start(int port) throws IOException, InterruptedException {
    Path log = Files.createTempFile("temporal-test-server-" + port, ".log");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.temporal.testserver.TestServer",
                Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the Temporal test server exited: " + Files.readString(log));
      }
      try {
        WorkflowServiceStubs service =
            WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(address(port)).build(),
                Duration.ofSeconds(2));
        TemporalTestServer server = new TemporalTestServer(port, process, service);
        server.registerSearchAttributes();
        return server;
      } catch (RuntimeException e) {
        if (Instant.now().isAfter(deadline)) {
          process.destroyForcibly();
          throw new IllegalStateException("the Temporal test server did not answer in 60s", e);
        }
        Thread.sleep(200);
      }
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  public static String address(int port) {
    return "127.0.0.1:" + port;
  }

  /** This server's frontend address. */
  public String address() {
    return address(port);
  }

  /** This server's port. */
  public int port() {
    return port;
  }

  /** A client of this server's default namespace. */
  public WorkflowClient client() {
    return client;
  }

  /** The workflow's description, or empty when there is none with that id. */
  public Optional<WorkflowExecutionDescription> describe(String workflowId) {
    try {
      return Optional.of(client.newUntypedWorkflowStub(workflowId).describe());
    } catch (WorkflowNotFoundException e) {
      return Optional.empty();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Whether a workflow with that id exists. */
  public boolean exists(String workflowId) {
    return describe(workflowId).isPresent();
  }

  /** The request the workflow was started with, from its first history event. */
  public DeployRequest input(String workflowId) {
    Payloads payloads =
        client
            .fetchHistory(workflowId)
            .getEvents()
            .get(0)
            .getWorkflowExecutionStartedEventAttributes()
            .getInput();
    return DefaultDataConverter.newDefaultInstance()
        .fromPayloads(0, Optional.of(payloads), DeployRequest.class, DeployRequest.class);
  }

  /** The run id: a second start under the same id would make a new run. */
  public String runId(String workflowId) {
    return describe(workflowId).orElseThrow().getExecution().getRunId();
  }

  /** Terminates the workflow. */
  public void terminate(String workflowId) {
    client.newUntypedWorkflowStub(workflowId).terminate("test");
  }

  /** The workflow's execution status. */
  public WorkflowExecutionStatus status(String workflowId) {
    return describe(workflowId).orElseThrow().getStatus();
  }

  private void registerSearchAttributes() {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    AddSearchAttributesRequest.Builder add =
        AddSearchAttributesRequest.newBuilder().setNamespace("default");
    List<SearchAttributeKey<String>> keys = SearchAttributes.ALL;
    for (SearchAttributeKey<String> key : keys) {
      add.putSearchAttributes(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    operator.blockingStub().addSearchAttributes(add.build());
  }

  @Override
  public void close() {
    service.shutdownNow();
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
