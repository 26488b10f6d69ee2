package dev.conveyor.cli;

import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options every command that talks to Temporal shares, and the connection they make. */
public final class TemporalOptions {
  /** The Temporal frontend used when neither --temporal nor CONVEYOR_TEMPORAL is given. */
  public static final String DEFAULT_TARGET = "127.0.0.1:7233";

  @Option(
      names = "--temporal",
      paramLabel = "HOST:PORT",
      description = "Temporal frontend (default: $CONVEYOR_TEMPORAL or " + DEFAULT_TARGET + ").")
  String target;

  @Option(
      names = "--namespace",
      defaultValue = "default",
      description = "Temporal namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  /**
   * gRPC logs a failed name resolution as a WARNING with a stack trace on stderr; the CLI says the
   * same in one line ({@link #unreachable}). Kept in a field: JUL holds its loggers weakly.
   */
  private static final java.util.logging.Logger GRPC_CHANNEL_LOG =
      java.util.logging.Logger.getLogger("io.grpc.internal.ManagedChannelImpl");

  static {
    GRPC_CHANNEL_LOG.setLevel(java.util.logging.Level.SEVERE);
  }

  private static final java.util.regex.Pattern HOST_PORT =
      java.util.regex.Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):(\\d{1,5})");

  /** The Temporal frontend: --temporal, else $CONVEYOR_TEMPORAL, else {@link #DEFAULT_TARGET}. */
  public String target() {
    if (target != null) {
      return checked(target, "--temporal");
    }
    String fromEnv = System.getenv("CONVEYOR_TEMPORAL");
    return fromEnv == null || fromEnv.isBlank()
        ? DEFAULT_TARGET
        : checked(fromEnv, "CONVEYOR_TEMPORAL");
  }

  /** The Temporal namespace (--namespace). */
  public String namespace() {
    return namespace;
  }

  /** {@code HOST:PORT}, or a usage error naming where the value came from. */
  static String checked(String address, String from) {
    java.util.regex.Matcher m = HOST_PORT.matcher(address.strip());
    if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
      throw new ConveyorCli.EnvironmentException(
          from
              + " '"
              + address
              + "' is not HOST:PORT (e.g. 127.0.0.1:7233 or temporal.example.com:7233)");
    }
    return address.strip();
  }

  /** How long a command waits for Temporal to answer before saying it is unreachable. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Connects and checks that the server answers within a few seconds, so an unreachable Temporal is
   * one clear line instead of a hang or a stack trace.
   */
  public Connection connect() {
    return connect(target(), namespace, CONNECT_TIMEOUT);
  }

  /**
   * Connects to {@code address} and checks that it answers within {@code timeout}.
   *
   * @throws ConveyorCli.EnvironmentException naming the address when it does not
   */
  public static Connection connect(String address, String namespace, Duration timeout) {
    WorkflowServiceStubs service;
    try {
      service =
          WorkflowServiceStubs.newConnectedServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setTarget(address)
                  .setRpcTimeout(Duration.ofSeconds(10))
                  // The client asks for the server's capabilities first; unbounded by the
                  // connect timeout unless set (5 s by default).
                  .setSystemInfoTimeout(timeout)
                  .build(),
              timeout);
    } catch (RuntimeException e) {
      throw unreachable(address, e);
    }
    try {
      service
          .blockingStub()
          .withDeadlineAfter(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      service.shutdownNow();
      throw unreachable(address, e);
    }
    WorkflowClient client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    return new Connection(service, client);
  }

  /**
   * A client that connects on first use and reconnects by itself, for a long-running server that
   * must start while Temporal is down: each call fails within {@code rpcTimeout} instead.
   */
  public static Connection lazy(String address, String namespace, Duration rpcTimeout) {
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(address)
                .setRpcTimeout(rpcTimeout)
                .setSystemInfoTimeout(rpcTimeout)
                .build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    return new Connection(service, client);
  }

  private static ConveyorCli.EnvironmentException unreachable(String address, Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why =
        root instanceof StatusRuntimeException sre
            ? sre.getStatus().getCode().name()
            : root.getMessage();
    return new ConveyorCli.EnvironmentException(
        "cannot reach Temporal at "
            + address
            + " ("
            + why
            + "). Start a local one with `./conveyor worker --dev`, or pass --temporal HOST:PORT"
            + " (or set CONVEYOR_TEMPORAL).");
  }

  /** A Temporal service connection and its client; closing it shuts the connection down. */
  public record Connection(WorkflowServiceStubs service, WorkflowClient client)
      implements AutoCloseable {
    @Override
    public void close() {
      service.shutdown();
    }
  }
}
