package dev.conveyor.activities.build;

import dev.conveyor.activities.docker.DockerSettings;
import dev.conveyor.activities.registry.RegistrySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link BuildActivitiesImpl} needs from the worker's configuration.
 *
 * @param dataDir the worker's data directory: clones of remote source repos are cached under {@code
 *     source-cache/}, build contexts are staged under {@code build-contexts/}
 * @param docker how to reach the Docker engine
 * @param registry registry login (used for push and for the registry API) and timeouts
 * @param buildTimeout the longest one {@code docker build} may take
 * @param pushTimeout the longest one {@code docker push} may take
 * @param gitTimeout the longest a clone or fetch of a remote source repo may stay silent
 * @param heartbeatInterval how often a running build or push heartbeats its latest progress line
 *     (must stay well under the activity's heartbeat timeout)
 */
public record BuildSettings(
    Path dataDir,
    DockerSettings docker,
    RegistrySettings registry,
    Duration buildTimeout,
    Duration pushTimeout,
    Duration gitTimeout,
    Duration heartbeatInterval) {
  public static final Duration DEFAULT_BUILD_TIMEOUT = Duration.ofMinutes(25);
  public static final Duration DEFAULT_PUSH_TIMEOUT = Duration.ofMinutes(15);
  public static final Duration DEFAULT_GIT_TIMEOUT = Duration.ofMinutes(2);
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

  public BuildSettings {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(docker, "docker");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(buildTimeout, "buildTimeout");
    Objects.requireNonNull(pushTimeout, "pushTimeout");
    Objects.requireNonNull(gitTimeout, "gitTimeout");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
  }

  /** The local engine, no registry login, default timeouts. */
  public static BuildSettings defaults(Path dataDir) {
    return new BuildSettings(
        dataDir,
        DockerSettings.defaults(),
        RegistrySettings.defaults(),
        DEFAULT_BUILD_TIMEOUT,
        DEFAULT_PUSH_TIMEOUT,
        DEFAULT_GIT_TIMEOUT,
        DEFAULT_HEARTBEAT_INTERVAL);
  }

  /** The same settings with other registry settings (e.g. a login). */
  public BuildSettings withRegistry(RegistrySettings other) {
    return new BuildSettings(
        dataDir, docker, other, buildTimeout, pushTimeout, gitTimeout, heartbeatInterval);
  }
}
