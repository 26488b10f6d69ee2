package dev.conveyor.activities.target;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.FinishResult;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveReport;
import io.temporal.failure.ApplicationFailure;

/**
 * Where an environment runs its services: Marathon, or the local Docker engine. {@link
 * DeployActivitiesImpl} picks one by {@link TargetRequest#target()} and runs the health gate on top
 * of {@link #check}.
 */
public interface DeployTarget {
  /** {@code docker} or {@code marathon}, as in the definitions' {@code target}. */
  String kind();

  /**
   * Starts the rollout of {@code app} (the committed definition, image already pinned). Must be
   * idempotent: when the target already runs (or is rolling out) exactly this image for this
   * workflow, return that deployment with {@code alreadyLive} true instead of starting another.
   * Throws {@code ApplicationFailure} of a permanent type for rejections; lets transient errors
   * propagate.
   */
  TargetDeployment deploy(TargetRequest request, ObjectNode app);

  /** One look at the new version's health. Read-only; never waits. */
  HealthSnapshot check(TargetRequest request, TargetDeployment deployment);

  /**
   * Starts watching the new version for changes, for the health gate to wait on between two {@link
   * #check}s; the gate closes it when it ends. The default polls ({@link HealthWatch#POLLING}).
   * Called before the first check, so a change after it is never missed.
   */
  default HealthWatch watch(TargetRequest request, TargetDeployment deployment) {
    return HealthWatch.POLLING;
  }

  /** Retires the old version after success, or the new one after failure. Idempotent. */
  FinishResult finish(FinishRequest request);

  /**
   * One look at what runs now for {@code request.env()} / {@code request.service()}, whoever
   * deployed it: every expected instance up and passing its health check is healthy. Uses {@code
   * target}, {@code env}, {@code service}, {@code appId}, {@code marathonUrl} and {@code health} of
   * the request; the others may be null. Read-only; never waits.
   *
   * <p>Not deployed at all is an answer ({@code healthy} false, the summary says so). A target that
   * cannot be reached throws a transient exception. The default refuses: a target that cannot tell
   * is misconfigured for releases.
   */
  default LiveReport live(TargetRequest request) {
    throw ApplicationFailure.newNonRetryableFailure(
        "deploy target '" + kind() + "' cannot report what runs live", FailureTypes.MISCONFIGURED);
  }

  /**
   * What the target sees right now.
   *
   * @param healthy instances of the new version that pass their health check
   * @param expected instances the new version should have
   * @param done whether the rollout is complete and every expected instance is healthy
   * @param summary one line for heartbeats and deadline failures, e.g. "2/3 healthy; task x: 503"
   */
  record HealthSnapshot(int healthy, int expected, boolean done, String summary) {}
}
