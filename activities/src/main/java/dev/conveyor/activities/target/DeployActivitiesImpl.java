package dev.conveyor.activities.target;

import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploy, health gate and finish on the environment's {@link DeployTarget}. The health gate looks
 * at the target, then waits on the target's {@link HealthWatch} (the poll interval, or until
 * Marathon's event stream reports a change, then confirms with a look) and heartbeats what it sees;
 * the deadline starts when the gate first runs and is carried in the heartbeat details, so a retry
 * after a worker crash keeps the original deadline instead of starting a new one.
 */
public final class DeployActivitiesImpl implements DeployActivities {
  private static final Logger log = LoggerFactory.getLogger(DeployActivitiesImpl.class);

  private final Map<String, DeployTarget> targets = new HashMap<>();
  private final AppDefinitionSource definitions;
  private final Duration pollInterval;
  private final Clock clock;

  public DeployActivitiesImpl(
      List<DeployTarget> targets, AppDefinitionSource definitions, Duration pollInterval) {
    this(targets, definitions, pollInterval, Clock.systemUTC());
  }

  DeployActivitiesImpl(
      List<DeployTarget> targets,
      AppDefinitionSource definitions,
      Duration pollInterval,
      Clock clock) {
    for (DeployTarget target : targets) {
      this.targets.put(target.kind(), target);
    }
    this.definitions = definitions;
    this.pollInterval = pollInterval;
    this.clock = clock;
  }

  @Override
  public TargetDeployment deploy(TargetRequest request) {
    DeployTarget target = target(request.target());
    return target.deploy(
        request,
        definitions.read(request.definitions(), request.configCommit(), request.appPath()));
  }

  @Override
  public HealthReport awaitHealthy(HealthRequest request) {
    TargetRequest target = request.target();
    DeployTarget deployTarget = target(target.target());
    ActivityExecutionContext context = Activity.getExecutionContext();
    long startedAt =
        context
            .getHeartbeatDetails(HealthProgress.class)
            .map(HealthProgress::startedAt)
            .orElse(clock.millis());
    long deadline = startedAt + Duration.ofSeconds(target.health().timeoutSeconds()).toMillis();
    try (HealthWatch watch = deployTarget.watch(target, request.deployment())) {
      return awaitHealthy(target, request, deployTarget, watch, context, startedAt, deadline);
    }
  }

  private HealthReport awaitHealthy(
      TargetRequest target,
      HealthRequest request,
      DeployTarget deployTarget,
      HealthWatch watch,
      ActivityExecutionContext context,
      long startedAt,
      long deadline) {
    String seen = "no answer yet";
    while (true) {
      DeployTarget.HealthSnapshot snapshot;
      try {
        snapshot = deployTarget.check(target, request.deployment());
        seen = snapshot.summary();
        if (snapshot.done()) {
          return new HealthReport(snapshot.healthy(), snapshot.expected(), snapshot.summary());
        }
      } catch (ApplicationFailure permanent) {
        throw permanent;
      } catch (RuntimeException transientProblem) {
        // The target may be briefly unreachable (leader election, restart): keep looking
        // until the deadline, which is what decides.
        seen = "cannot check: " + transientProblem.getMessage();
      }
      long now = clock.millis();
      if (now >= deadline) {
        throw ApplicationFailure.newNonRetryableFailure(
            target.service()
                + " in "
                + target.env()
                + " not healthy after "
                + target.health().timeoutSeconds()
                + "s: "
                + seen,
            FailureTypes.HEALTH_DEADLINE);
      }
      context.heartbeat(new HealthProgress(startedAt, seen));
      await(watch, Math.min(watch.nextLookMillis(pollInterval.toMillis()), deadline - now));
    }
  }

  @Override
  public FinishResult finish(FinishRequest request) {
    FinishResult result = target(request.target().target()).finish(request);
    log.info("{}: {}", request.target().workflowId(), result.summary());
    return result;
  }

  private DeployTarget target(String kind) {
    DeployTarget target = targets.get(kind);
    if (target == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "this worker has no deploy target '" + kind + "' (it has " + targets.keySet() + ")",
          FailureTypes.MISCONFIGURED);
    }
    return target;
  }

  private static void await(HealthWatch watch, long millis) {
    try {
      watch.await(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for health", e);
    }
  }

  /** Heartbeat details: when the gate began (the deadline's origin) and what it saw last. */
  public record HealthProgress(long startedAt, String lastSeen) {}
}
