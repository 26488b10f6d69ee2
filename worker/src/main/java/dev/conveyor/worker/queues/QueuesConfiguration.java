package dev.conveyor.worker.queues;

import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.docker.DockerClients;
import dev.conveyor.activities.docker.DockerSettings;
import dev.conveyor.worker.StartupFailure;
import dev.conveyor.worker.WorkerProperties;
import io.temporal.spring.boot.WorkerOptionsCustomizer;
import io.temporal.spring.boot.autoconfigure.properties.TemporalProperties;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Which task queues this process serves ({@link QueueSelection} already removed the others from the
 * starter's worker list), how many tasks each runs at once, and the Docker engine check for build
 * workers.
 */
@Configuration(proxyBeanMethods = false)
class QueuesConfiguration {
  private static final Logger log = LoggerFactory.getLogger(QueuesConfiguration.class);

  /** How long the start-up check waits for the Docker engine to answer a ping. */
  static final Duration DOCKER_PING_TIMEOUT = Duration.ofSeconds(5);

  @Bean
  ServedQueues servedQueues(WorkerProperties properties, TemporalProperties temporal) {
    ServedQueues served;
    try {
      served = ServedQueues.parse(properties.queues());
    } catch (IllegalArgumentException invalid) {
      throw new StartupFailure(invalid.getMessage(), invalid);
    }
    List<String> configured =
        Optional.ofNullable(temporal.getWorkers()).orElse(List.of()).stream()
            .map(io.temporal.spring.boot.autoconfigure.properties.WorkerProperties::getTaskQueue)
            .toList();
    for (ServedQueues.Queue queue : served.queues()) {
      if (!configured.contains(queue.taskQueue())) {
        throw new StartupFailure(
            "conveyor.worker.queues includes "
                + queue.shortName()
                + ", but spring.temporal.workers has no entry with task-queue "
                + queue.taskQueue()
                + "; restore it (see worker/src/main/resources/application.yaml)");
      }
    }
    return served;
  }

  /** Applies {@code conveyor.worker.build-queue.*} and {@code control-queue.*} to each worker. */
  @Bean
  WorkerOptionsCustomizer queueLimits(WorkerProperties properties) {
    return (WorkerOptions.Builder options, String workerName, String taskQueue) -> {
      if (ServedQueues.Queue.BUILD.taskQueue().equals(taskQueue)) {
        WorkerProperties.BuildQueue build = properties.buildQueue();
        options
            .setMaxConcurrentActivityExecutionSize(build.maxConcurrentActivities())
            .setMaxConcurrentActivityTaskPollers(build.activityPollers());
      } else if (ServedQueues.Queue.CONTROL.taskQueue().equals(taskQueue)) {
        WorkerProperties.ControlQueue control = properties.controlQueue();
        options
            .setMaxConcurrentActivityExecutionSize(control.maxConcurrentActivities())
            .setMaxConcurrentWorkflowTaskExecutionSize(control.maxConcurrentWorkflowTasks())
            .setMaxConcurrentActivityTaskPollers(control.activityPollers())
            .setMaxConcurrentWorkflowTaskPollers(control.workflowTaskPollers());
      }
      return options;
    };
  }

  /**
   * A build worker without a Docker engine would take build tasks and fail every one of them;
   * refuse to start instead. Runs before the workers start polling (they start once the application
   * is ready).
   */
  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE)
  ApplicationRunner dockerEngineCheck(ServedQueues served, DockerSettings docker) {
    return args -> {
      log.info("serving task queues: {}", served);
      if (served.servesBuild()) {
        pingDocker(docker);
      }
    };
  }

  /** Pings the engine in {@code settings} with a short timeout; throws a one-line reason. */
  static void pingDocker(DockerSettings settings) {
    DockerSettings quick =
        new DockerSettings(settings.dockerHost(), DOCKER_PING_TIMEOUT, DOCKER_PING_TIMEOUT);
    try (DockerClient client = DockerClients.open(quick)) {
      client.pingCmd().exec();
    } catch (Exception e) {
      throw new StartupFailure(
          "cannot reach the Docker engine at "
              + dockerHost(settings)
              + " ("
              + rootMessage(e)
              + "); this worker serves the build queue, which needs one. Start dockerd, set"
              + " conveyor.worker.docker.host, or run it with --conveyor.worker.queues=control.",
          e);
    }
  }

  static String dockerHost(DockerSettings settings) {
    if (settings.dockerHost() != null && !settings.dockerHost().isBlank()) {
      return settings.dockerHost();
    }
    String env = System.getenv("DOCKER_HOST");
    return env == null || env.isBlank() ? "unix:///var/run/docker.sock" : env;
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
