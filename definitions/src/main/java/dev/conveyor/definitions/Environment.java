package dev.conveyor.definitions;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One environment of conveyor.yaml.
 *
 * @param name the key under {@code environments}
 * @param target where services run
 * @param marathon the Marathon API; present whenever {@code target} is {@link Target#MARATHON}
 * @param consul the Consul KV; empty means the worker's file-backed KV store
 * @param approvalRequired {@code approval: required}: deployments wait for an {@code approve}
 *     signal
 * @param bakeWindow how long a deployment stays open for a rollback signal after it is healthy
 *     ({@code bake}, default {@link #DEFAULT_BAKE})
 * @param chronos the Chronos scheduler that runs the environment's jobs; empty when the environment
 *     runs none (deploying a job there fails at resolve)
 */
public record Environment(
    String name,
    Target target,
    Optional<MarathonEndpoint> marathon,
    Optional<ConsulEndpoint> consul,
    boolean approvalRequired,
    Duration bakeWindow,
    Optional<ChronosEndpoint> chronos) {

  public static final Duration DEFAULT_BAKE = Duration.ofMinutes(15);

  public Environment {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(marathon, "marathon");
    Objects.requireNonNull(consul, "consul");
    Objects.requireNonNull(bakeWindow, "bakeWindow");
    Objects.requireNonNull(chronos, "chronos");
    if (target == Target.MARATHON && marathon.isEmpty()) {
      throw new IllegalArgumentException("environment " + name + ": target marathon needs a url");
    }
  }

  /** An environment without Chronos (one that runs services only). */
  public Environment(
      String name,
      Target target,
      Optional<MarathonEndpoint> marathon,
      Optional<ConsulEndpoint> consul,
      boolean approvalRequired,
      Duration bakeWindow) {
    this(name, target, marathon, consul, approvalRequired, bakeWindow, Optional.empty());
  }
}
