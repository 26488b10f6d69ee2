package dev.conveyor.workflows.deploy;

import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.HealthReport;
import dev.conveyor.workflows.steps.DeployActivities.HealthRequest;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.KvActivities.KvRestoreRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The steps that make an earlier version live again, shared by a deployment's own rollback ({@link
 * ServiceDeploymentWorkflowImpl}) and the rollback workflow started by {@code ./conveyor rollback}
 * ({@code dev.conveyor.workflows.rollback}). Workflow code only; each call is one activity whose
 * idempotency its interface describes (the rollback commit is found again by its workflow trailers,
 * KV is compared before it is set, a target already at the image is not redeployed), so a retried
 * or replayed rollback repeats nothing.
 *
 * <p>The order of the activities here is part of both workflows' histories: changing it needs a
 * {@link Workflow#getVersion} marker in both.
 */
public final class Restorer {
  private static final Logger log = Workflow.getLogger(Restorer.class);

  private final GitOpsActivities gitops =
      Workflow.newActivityStub(GitOpsActivities.class, ServiceDeploymentWorkflowImpl.REMOTE_CALL);
  private final KvActivities kv =
      Workflow.newActivityStub(KvActivities.class, ServiceDeploymentWorkflowImpl.REMOTE_CALL);
  private final DeployActivities targets =
      Workflow.newActivityStub(DeployActivities.class, ServiceDeploymentWorkflowImpl.REMOTE_CALL);
  private final String workflowId;

  /**
   * @param workflowId the running workflow's id: the idempotency key of every step
   */
  public Restorer(String workflowId) {
    this.workflowId = workflowId;
  }

  /**
   * Commits the restored definition to the config repo.
   *
   * @param rollbackOf the config commit whose version is undone, or null for whatever the head
   *     holds
   * @param to the config commit to restore, or null for the previous version
   */
  public RollbackCommitResult commit(
      ResolvedDeployment resolved, String rollbackOf, String to, String by, String reason) {
    return gitops.commitRollback(
        new RollbackCommitRequest(
            resolved.definitions(),
            resolved.env(),
            resolved.service(),
            rollbackOf,
            to,
            workflowId,
            by,
            reason));
  }

  /**
   * Puts {@code image} back in KV.
   *
   * @param expectedImage the image being undone, or null to restore over whatever is there
   */
  public KvResult restoreKv(
      ResolvedDeployment resolved, String expectedImage, String image, String commit) {
    return kv.restore(
        new KvRestoreRequest(
            resolved.consulUrl(),
            resolved.env(),
            resolved.service(),
            expectedImage,
            image,
            commit));
  }

  /**
   * The target request that rolls out the restored definition.
   *
   * @param force whether to supersede a rollout holding the app (Marathon {@code ?force=true});
   *     only a rollout this workflow started may be superseded
   */
  public TargetRequest restoredTarget(
      ResolvedDeployment resolved, RollbackCommitResult restored, boolean force) {
    return new TargetRequest(
        resolved.target(),
        resolved.env(),
        resolved.service(),
        resolved.appId(),
        resolved.marathonUrl(),
        resolved.definitions(),
        restored.configCommit(),
        restored.path(),
        restored.image(),
        restored.commit() == null ? "unknown" : restored.commit(),
        resolved.health(),
        workflowId,
        force);
  }

  /**
   * Deploys {@code back}, waits for its health gate and finishes the rollout: on success the
   * version left behind is retired, on failure the restored one is removed and the failure
   * rethrown.
   */
  public Redeployed redeploy(ResolvedDeployment resolved, TargetRequest back) {
    TargetDeployment redeployed = targets.deploy(back);
    HealthReport health;
    try {
      health = healthWait(resolved).awaitHealthy(new HealthRequest(back, redeployed));
    } catch (ActivityFailure failure) {
      finishQuietly(new FinishRequest(back, redeployed, false));
      throw failure;
    }
    finishQuietly(new FinishRequest(back, redeployed, true));
    return new Redeployed(redeployed, health);
  }

  /** What {@link #redeploy} rolled out and how healthy it is. */
  public record Redeployed(TargetDeployment deployment, HealthReport health) {}

  /** Cleanup after the health gate must not turn a healthy rollout into a failed one. */
  public void finishQuietly(FinishRequest finish) {
    try {
      targets.finish(finish);
    } catch (ActivityFailure failure) {
      log.warn(
          "{}: finishing the rollout failed: {}",
          workflowId,
          ServiceDeploymentWorkflowImpl.describe(failure));
    }
  }

  /** The health gate's stub: its limits follow the service's health timeout. */
  static DeployActivities healthWait(ResolvedDeployment resolved) {
    Duration timeout = Duration.ofSeconds(Math.max(1, resolved.health().timeoutSeconds()));
    return Workflow.newActivityStub(
        DeployActivities.class,
        ActivityOptions.newBuilder(ServiceDeploymentWorkflowImpl.HEALTH_WAIT)
            .setStartToCloseTimeout(timeout.plus(ServiceDeploymentWorkflowImpl.HEALTH_MARGIN))
            .setScheduleToCloseTimeout(
                timeout.plus(ServiceDeploymentWorkflowImpl.HEALTH_MARGIN).multipliedBy(2))
            .build());
  }
}
