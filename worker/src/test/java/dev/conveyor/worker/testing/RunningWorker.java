package dev.conveyor.worker.testing;

import dev.conveyor.worker.WorkerApplication;
import io.temporal.client.WorkflowClient;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The worker application as {@code ./conveyor worker} runs it (same main class, same
 * application.yaml, same beans), connected to Temporal's test server started here on a free
 * loopback port in real time (no time skipping), with its data directory where the test says.
 *
 * <p>Started by hand rather than through {@code @SpringBootTest}, so that {@link #close} stops the
 * workers before the server they poll, and no cached test context keeps polling afterwards.
 */
public final class RunningWorker implements AutoCloseable {
  private final TestServer.PortBoundTestServer server;
  private final ConfigurableApplicationContext context;
  private final String target;

  private RunningWorker(
      TestServer.PortBoundTestServer server,
      ConfigurableApplicationContext context,
      String target) {
    this.server = server;
    this.context = context;
    this.target = target;
  }

  /** Starts a test server and the worker application; extra args are Spring properties. */
  public static RunningWorker start(Path dataDir, String... properties) {
    int port = freePort();
    String target = "127.0.0.1:" + port;
    TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port);
    List<String> args = new ArrayList<>();
    args.add("--spring.temporal.connection.target=" + target);
    args.add("--conveyor.worker.data-dir=" + dataDir);
    // A free port for health and metrics: tests and other workers on this host may hold 8081.
    args.add("--server.port=0");
    args.addAll(List.of(properties));
    try {
      ConfigurableApplicationContext context =
          SpringApplication.run(WorkerApplication.class, args.toArray(String[]::new));
      return new RunningWorker(server, context, target);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** A port nothing listens on right now (the OS's choice for a socket just closed). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code 127.0.0.1:<port>} of the test server. */
  public String target() {
    return target;
  }

  /** The worker's own client (the starter's bean), connected to the test server. */
  public WorkflowClient client() {
    return context.getBean(WorkflowClient.class);
  }

  public <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  public <T> T bean(String name, Class<T> type) {
    return context.getBean(name, type);
  }

  /** Stops the workers (the context), then the server. */
  @Override
  public void close() {
    try {
      context.close();
    } finally {
      server.close();
    }
  }
}
