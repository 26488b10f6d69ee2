package dev.conveyor.activities.docker;

import dev.conveyor.activities.registry.RegistryCredentials;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link DockerTarget} needs from the worker's configuration.
 *
 * @param docker how to reach the engine that runs the containers
 * @param pullCredentials registry login for pulling an image the engine does not have yet
 * @param publishAddress host address the container port is published on ({@code 127.0.0.1}: the
 *     service is reachable from this host only)
 * @param healthRequestTimeout whole-call timeout of one health {@code GET}
 * @param stopTimeout how long a retired container gets to stop before it is killed
 * @param pullTimeout the longest a pull of a missing image may take
 */
public record DockerTargetSettings(
    DockerSettings docker,
    Optional<RegistryCredentials> pullCredentials,
    String publishAddress,
    Duration healthRequestTimeout,
    Duration stopTimeout,
    Duration pullTimeout) {
  public static final String DEFAULT_PUBLISH_ADDRESS = "127.0.0.1";
  public static final Duration DEFAULT_HEALTH_REQUEST_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(5);

  public DockerTargetSettings {
    Objects.requireNonNull(docker, "docker");
    Objects.requireNonNull(pullCredentials, "pullCredentials");
    Objects.requireNonNull(publishAddress, "publishAddress");
    Objects.requireNonNull(healthRequestTimeout, "healthRequestTimeout");
    Objects.requireNonNull(stopTimeout, "stopTimeout");
    Objects.requireNonNull(pullTimeout, "pullTimeout");
  }

  /** The local engine, no login, published on 127.0.0.1, default timeouts. */
  public static DockerTargetSettings defaults() {
    return new DockerTargetSettings(
        DockerSettings.defaults(),
        Optional.empty(),
        DEFAULT_PUBLISH_ADDRESS,
        DEFAULT_HEALTH_REQUEST_TIMEOUT,
        DEFAULT_STOP_TIMEOUT,
        DEFAULT_PULL_TIMEOUT);
  }
}
