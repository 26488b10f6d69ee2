package dev.conveyor.activities.target;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.FinishResult;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;

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

  /** Retires the old version after success, or the new one after failure. Idempotent. */
  FinishResult finish(FinishRequest request);

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
