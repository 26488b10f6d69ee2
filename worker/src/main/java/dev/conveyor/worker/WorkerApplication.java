package dev.conveyor.worker;

import io.temporal.testserver.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Conveyor worker: hosts the workflows and activities on the control and build task queues.
 * {@code --dev} also starts Temporal's in-memory test server on 127.0.0.1:7233 (no UI, no
 * persistence) for local use.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WorkerApplication {
  private static final Logger log = LoggerFactory.getLogger(WorkerApplication.class);
  static final int DEV_PORT = 7233;
  private static final String DEV_PORT_OPTION = "--conveyor.worker.dev-port=";

  public static void main(String[] args) {
    List<String> springArgs = new ArrayList<>();
    boolean dev = false;
    int devPort = DEV_PORT;
    for (String arg : args) {
      switch (arg) {
        case "--dev" -> dev = true;
        case "-h", "--help" -> {
          printHelp();
          return;
        }
        default -> {
          if (arg.startsWith(DEV_PORT_OPTION)) {
            devPort = parsePort(arg.substring(DEV_PORT_OPTION.length()));
          }
          springArgs.add(arg);
        }
      }
    }
    if (dev) {
      startDevServer(devPort);
      springArgs.add("--spring.temporal.connection.target=127.0.0.1:" + devPort);
      springArgs.add("--conveyor.worker.dev=true");
    }
    try {
      SpringApplication.run(WorkerApplication.class, springArgs.toArray(String[]::new));
    } catch (RuntimeException e) {
      String reason = TemporalStartup.unreachableReason(e);
      if (reason == null) {
        reason = StartupFailure.reasonIn(e);
      }
      if (reason != null) {
        System.err.println("conveyor worker: " + reason);
        System.exit(2);
      }
      // Exit rather than rethrow: the --dev server's threads would keep the JVM alive.
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static int parsePort(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port > 0 && port < 65536) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    System.err.println(
        "conveyor worker: " + DEV_PORT_OPTION + text + " is not a port; pass 1 to 65535");
    System.exit(2);
    return -1;
  }

  private static void startDevServer(int port) {
    try {
      TestServer.createPortBoundServer(port);
    } catch (RuntimeException e) {
      System.err.println(
          "conveyor worker: cannot start the dev server on 127.0.0.1:"
              + port
              + " ("
              + e.getMessage()
              + "); is another Temporal server running there? Then run without --dev.");
      System.exit(2);
    }
    log.info(
        "Temporal dev server (in-memory test server) listening on 127.0.0.1:{}; "
            + "workflows are lost when this process stops and the Temporal UI is not available",
        port);
  }

  private static void printHelp() {
    System.out.println(
        """
        Usage: conveyor worker [--dev] [--PROPERTY=VALUE...]

        Runs a Conveyor worker: the deployment workflows and their activities, on the
        task queues conveyor-control and conveyor-build.

          --dev    also start Temporal's in-memory test server on 127.0.0.1:7233
                   (no persistence, no UI) and connect to it
          --conveyor.worker.dev-port=PORT
                   the dev server's port instead of 7233
          --spring.temporal.connection.target=HOST:PORT
                   Temporal frontend (default: $CONVEYOR_TEMPORAL or 127.0.0.1:7233)
          --conveyor.worker.data-dir=PATH
                   clones, caches and the file KV (default: ~/.conveyor)
          --conveyor.worker.queues=build|control|build,control
                   which task queues this process serves (default: both)
          --server.port=PORT
                   /actuator/health and /actuator/prometheus (default: 8081)

        Every property and environment variable: docs/configuration.md
        """);
  }
}
