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
 * @param autoRollback {@code rollback: auto}: a deployment whose health gate fails rolls back to
 *     the previous version by itself; {@code rollback: manual} leaves that to an operator. Default
 *     (see {@link #defaultAutoRollback}): auto, except for environments named like production
 * @param localImages {@code registry: local}: images are built into the worker's Docker engine and
 *     run from there, with no registry and no push (target {@code docker} only; for a machine
 *     without a registry, e.g. the demo)
 */
public record Environment(
    String name,
    Target target,
    Optional<MarathonEndpoint> marathon,
    Optional<ConsulEndpoint> consul,
    boolean approvalRequired,
    Duration bakeWindow,
    Optional<ChronosEndpoint> chronos,
    boolean autoRollback,
    boolean localImages) {

  public static final Duration DEFAULT_BAKE = Duration.ofMinutes(15);

  /** An environment that pushes its images to the definitions' registry. */
  public Environment(
      String name,
      Target target,
      Optional<MarathonEndpoint> marathon,
      Optional<ConsulEndpoint> consul,
      boolean approvalRequired,
      Duration bakeWindow,
      Optional<ChronosEndpoint> chronos,
      boolean autoRollback) {
    this(
        name, target, marathon, consul, approvalRequired, bakeWindow, chronos, autoRollback, false);
  }

  /** An environment with the default rollback mode for its name. */
  public Environment(
      String name,
      Target target,
      Optional<MarathonEndpoint> marathon,
      Optional<ConsulEndpoint> consul,
      boolean approvalRequired,
      Duration bakeWindow,
      Optional<ChronosEndpoint> chronos) {
    this(
        name,
        target,
        marathon,
        consul,
        approvalRequired,
        bakeWindow,
        chronos,
        defaultAutoRollback(name));
  }

  /** An environment without Chronos, with the given rollback mode. */
  public Environment(
      String name,
      Target target,
      Optional<MarathonEndpoint> marathon,
      Optional<ConsulEndpoint> consul,
      boolean approvalRequired,
      Duration bakeWindow,
      boolean autoRollback) {
    this(
        name,
        target,
        marathon,
        consul,
        approvalRequired,
        bakeWindow,
        Optional.empty(),
        autoRollback);
  }

  /**
   * The rollback mode when {@code rollback} is not given: {@code manual} for an environment whose
   * name is {@code prod}, {@code production} or starts with {@code prod} (e.g. {@code prod-eu}),
   * where an operator decides; {@code auto} everywhere else.
   */
  public static boolean defaultAutoRollback(String name) {
    return name == null || !name.toLowerCase(java.util.Locale.ROOT).startsWith("prod");
  }

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
    if (localImages && target != Target.DOCKER) {
      throw new IllegalArgumentException(
          "environment " + name + ": registry local needs target docker");
    }
  }

  /** An environment without Chronos, with the default rollback mode for its name. */
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
