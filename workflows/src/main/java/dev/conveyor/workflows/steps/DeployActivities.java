package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Steps 6 and 7 on the environment's target: Marathon, or the local Docker engine. */
@ActivityInterface
public interface DeployActivities {
  /**
   * Rolls out the committed app definition. Idempotent: a target already at that image (Marathon
   * app version with the digest, or a container labelled with this workflow and digest) is not
   * deployed again; the existing deployment is returned.
   */
  TargetDeployment deploy(TargetRequest request);

  /**
   * Waits until every instance of the new version is healthy, heartbeating what it sees; fails with
   * {@link FailureTypes#HEALTH_DEADLINE} and the reason when the deadline passes. Read-only.
   */
  HealthReport awaitHealthy(HealthRequest request);

  /**
   * Ends the rollout: on success the previous version is retired (Docker: old containers removed;
   * Marathon: nothing to do), on failure the new one is removed so the old keeps serving.
   * Idempotent: removing what is already gone is a no-op.
   */
  FinishResult finish(FinishRequest request);

  /**
   * @param restoreVersion for a rollback on Marathon: the app version that ran before (from {@link
   *     TargetDeployment#previousVersion}); the target redeploys it with {@code PUT /v2/apps/{id}}
   *     {@code {"version": v}} when that version still holds {@code pinnedImage}, else it deploys
   *     the committed definition. Null for every other deploy (and in requests recorded before the
   *     field existed).
   */
  record TargetRequest(
      String target,
      String env,
      String service,
      String appId,
      String marathonUrl,
      String definitions,
      String configCommit,
      String appPath,
      String pinnedImage,
      String commit,
      HealthSpec health,
      String workflowId,
      boolean force,
      String restoreVersion) {

    /** A deploy of the committed definition (no version to restore). */
    public TargetRequest(
        String target,
        String env,
        String service,
        String appId,
        String marathonUrl,
        String definitions,
        String configCommit,
        String appPath,
        String pinnedImage,
        String commit,
        HealthSpec health,
        String workflowId,
        boolean force) {
      this(
          target,
          env,
          service,
          appId,
          marathonUrl,
          definitions,
          configCommit,
          appPath,
          pinnedImage,
          commit,
          health,
          workflowId,
          force,
          null);
    }

    /** The same request, redeploying Marathon app version {@code version} when it can. */
    public TargetRequest withRestoreVersion(String version) {
      return new TargetRequest(
          target,
          env,
          service,
          appId,
          marathonUrl,
          definitions,
          configCommit,
          appPath,
          pinnedImage,
          commit,
          health,
          workflowId,
          force,
          version);
    }
  }

  /**
   * @param deploymentId Marathon's deploymentId, or the Docker container name
   * @param version Marathon's app version, or the container id
   * @param endpoint where the new version answers when the target knows it (Docker), else null
   * @param previousVersion Marathon: the app's version before this deploy changed it (what a
   *     rollback of this deployment redeploys); null when the app was new, already live, or on
   *     Docker
   */
  record TargetDeployment(
      String deploymentId,
      String version,
      String endpoint,
      boolean alreadyLive,
      String previousVersion) {

    /** Without a previous version. */
    public TargetDeployment(
        String deploymentId, String version, String endpoint, boolean alreadyLive) {
      this(deploymentId, version, endpoint, alreadyLive, null);
    }
  }

  record HealthRequest(TargetRequest target, TargetDeployment deployment) {}

  record HealthReport(int healthy, int expected, String summary) {}

  record FinishRequest(TargetRequest target, TargetDeployment deployment, boolean succeeded) {}

  record FinishResult(String summary) {}
}
