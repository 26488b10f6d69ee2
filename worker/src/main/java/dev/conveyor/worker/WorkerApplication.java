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

  public static void main(String[] args) {
    List<String> springArgs = new ArrayList<>();
    boolean dev = false;
    for (String arg : args) {
      switch (arg) {
        case "--dev" -> dev = true;
        case "-h", "--help" -> {
          printHelp();
          return;
        }
        default -> springArgs.add(arg);
      }
    }
    if (dev) {
      startDevServer();
      springArgs.add("--spring.temporal.connection.target=127.0.0.1:" + DEV_PORT);
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
      throw e;
    }
  }

  private static void startDevServer() {
    try {
      TestServer.createPortBoundServer(DEV_PORT);
    } catch (RuntimeException e) {
      System.err.println(
          "conveyor worker: cannot start the dev server on 127.0.0.1:"
              + DEV_PORT
              + " ("
              + e.getMessage()
              + "); is another Temporal server running there? Then run without --dev.");
      System.exit(2);
    }
    log.info(
        "Temporal dev server (in-memory test server) listening on 127.0.0.1:{}; "
            + "workflows are lost when this process stops and the Temporal UI is not available",
        DEV_PORT);
  }

  private static void printHelp() {
    System.out.println(
        """
        Usage: conveyor worker [--dev] [--PROPERTY=VALUE...]

        Runs a Conveyor worker: the deployment workflows and their activities, on the
        task queues conveyor-control and conveyor-build.

          --dev    also start Temporal's in-memory test server on 127.0.0.1:7233
                   (no persistence, no UI) and connect to it
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
