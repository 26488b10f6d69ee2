package dev.conveyor.activities.docker;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the Docker engine.
 *
 * @param dockerHost the engine's address, e.g. {@code unix:///var/run/docker.sock} or {@code
 *     tcp://10.0.0.5:2376}; null or blank means {@code DOCKER_HOST}, else the local socket
 * @param connectTimeout how long to wait for a connection to the engine
 * @param responseTimeout the longest silence tolerated on a response; a build step that prints
 *     nothing for longer fails (transiently), so this is minutes, not seconds
 */
public record DockerSettings(String dockerHost, Duration connectTimeout, Duration responseTimeout) {
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofMinutes(10);

  public DockerSettings {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(responseTimeout, "responseTimeout");
  }

  /** The engine from {@code DOCKER_HOST} (or the local socket) with the default timeouts. */
  public static DockerSettings defaults() {
    return new DockerSettings(null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT);
  }

  /** The same settings for another engine address. */
  public DockerSettings withDockerHost(String host) {
    return new DockerSettings(host, connectTimeout, responseTimeout);
  }
}
