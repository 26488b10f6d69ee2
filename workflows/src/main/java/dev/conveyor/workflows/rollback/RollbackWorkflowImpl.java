package dev.conveyor.workflows.rollback;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.Restorer;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.lane.LaneGrant;
import dev.conveyor.workflows.lane.LaneMembership;
import dev.conveyor.workflows.lane.Supersession;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
import dev.conveyor.workflows.steps.Notifications;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.ResolveActivities;
import dev.conveyor.workflows.steps.ResolveActivities.ResolveRequest;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * Lane, resolve, rollback commit, KV, target, health gate, notify. The restore steps are {@link
 * Restorer}'s, the ones a deployment's own rollback runs. It never forces a rollout: a deployment
 * on the target that this workflow did not start is left alone (Marathon answers 409 and the step
 * is retried until the lock is gone or its limit ends it).
 */
public final class RollbackWorkflowImpl implements RollbackWorkflow {
  private static final Logger log = Workflow.getLogger(RollbackWorkflowImpl.class);

  /** Failure type of a rollback that did not make the earlier version live. */
  public static final String ROLLBACK_FAILED = ServiceDeploymentWorkflowImpl.ROLLBACK_FAILED;

  /** What the resolve step is told as commit: a rollback builds nothing from source. */
  static final String NO_SOURCE_COMMIT = "rollback";

  private final ResolveActivities resolver =
      Workflow.newActivityStub(ResolveActivities.class, ServiceDeploymentWorkflowImpl.REMOTE_CALL);
  private final NotifyActivities notifier =
      Workflow.newActivityStub(NotifyActivities.class, ServiceDeploymentWorkflowImpl.NOTIFY);

  private final RollbackProgress progress = new RollbackProgress("WAITING");
  private ServiceRollbackRequest request;
  private String workflowId;
  private LaneMembership lane;

  @Override
  public RollbackResult rollback(ServiceRollbackRequest request) {
    this.request = request;
    this.workflowId = Workflow.getInfo().getWorkflowId();
    if (request.reason() == null || request.reason().isBlank()) {
      throw fail("a rollback needs a reason (--reason)");
    }
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.SERVICE.valueSet(request.service()),
        SearchAttributes.ENV.valueSet(request.env()),
        SearchAttributes.STATUS.valueSet("running"));
    lane =
        new LaneMembership(
            request.env(),
            request.service(),
            request.to() == null ? NO_SOURCE_COMMIT : request.to());
    progress.waiting("waiting for lane " + lane.laneId());
    lane.enter();
    Optional<Supersession> superseded = lane.awaitTurn(() -> false);
    if (superseded.isPresent()) {
      return endSuperseded(superseded.get());
    }
    try {
      return restore();
    } finally {
      lane.leave();
    }
  }

  private RollbackResult restore() {
    String by = by();
    Restorer restorer = new Restorer(workflowId);
    ResolvedDeployment resolved = null;
    try {
      progress.enter("RESOLVE", "reading the definitions");
      resolved =
          resolver.resolve(
              new ResolveRequest(
                  request.definitions(), request.env(), request.service(), NO_SOURCE_COMMIT));
      ResolvedDeployment definitions = resolved;
      progress.enter("COMMIT", "committing the earlier definition");
      RollbackCommitResult restored =
          restorer.commit(definitions, request.rollbackOf(), request.to(), by, request.reason());
      Workflow.upsertTypedSearchAttributes(
          SearchAttributes.COMMIT.valueSet(
              restored.commit() == null ? restored.restoredFrom() : restored.commit()));
      progress.enter("KV", "KV back to " + restored.image());
      restorer.restoreKv(definitions, null, restored.image(), restored.commit());
      progress.enter(
          "DEPLOY",
          "restoring "
              + restored.image()
              + " from "
              + WorkflowIds.shortCommit(restored.restoredFrom()));
      TargetRequest back = restorer.restoredTarget(definitions, restored, false);
      Restorer.Redeployed redeployed = restorer.redeploy(definitions, back);
      String live = restored.image() + " live again (" + redeployed.health().summary() + ")";
      progress.enter("NOTIFY", live);
      notifyAll(definitions, "ROLLED_BACK", null, request.reason() + " (by " + by + ")", restored);
      progress.done(RollbackResult.ROLLED_BACK, "rolled back", live);
      log.info("{}: {}", workflowId, live);
      return new RollbackResult(
          workflowId,
          request.env(),
          request.service(),
          RollbackResult.ROLLED_BACK,
          restored.configCommit(),
          restored.restoredFrom(),
          restored.image(),
          restored.rolledBackImage(),
          redeployed.deployment().deploymentId(),
          live);
    } catch (ActivityFailure failure) {
      String at = progress.failCurrent();
      String why = ServiceDeploymentWorkflowImpl.describe(failure);
      String message =
          "rollback failed at " + at + ": " + why + " (asked: " + request.reason() + ")";
      if (resolved != null) {
        notifyAll(resolved, "ROLLBACK_FAILED", at, request.reason() + "; " + why, null);
      }
      throw fail(message);
    }
  }

  private ApplicationFailure fail(String message) {
    log.warn("{}: {}", workflowId, message);
    progress.done("FAILED", "failed", message);
    return ApplicationFailure.newNonRetryableFailure(message, ROLLBACK_FAILED);
  }

  private RollbackResult endSuperseded(Supersession by) {
    String why =
        "not done: a newer deployment (" + by.byWorkflowId() + ") took the lane; nothing changed";
    progress.done(RollbackResult.SUPERSEDED, "superseded", why);
    return new RollbackResult(
        workflowId,
        request.env(),
        request.service(),
        RollbackResult.SUPERSEDED,
        null,
        null,
        null,
        null,
        null,
        why);
  }

  /** Sends to every notifier at once; a channel that keeps failing is logged, not fatal. */
  private void notifyAll(
      ResolvedDeployment resolved,
      String outcome,
      String failedStep,
      String reason,
      RollbackCommitResult restored) {
    Notifications.notifyEach(
        notifier,
        resolved.notifiers(),
        new Notifications.Event(
            workflowId,
            resolved.env(),
            resolved.service(),
            restored == null ? null : restored.commit(),
            restored == null ? null : restored.image(),
            outcome,
            failedStep,
            reason,
            by(),
            progress.timings()),
        ServiceDeploymentWorkflowImpl::describe);
  }

  private String by() {
    return request.requestedBy() == null || request.requestedBy().isBlank()
        ? "unknown"
        : request.requestedBy();
  }

  @Override
  public RollbackStatus status() {
    return new RollbackStatus(
        workflowId,
        request == null ? null : request.env(),
        request == null ? null : request.service(),
        request == null ? null : request.to(),
        request == null ? null : by(),
        request == null ? null : request.reason(),
        progress.phase(),
        progress.detail());
  }

  @Override
  public void laneGranted(LaneGrant grant) {
    if (lane != null) {
      lane.onGranted(grant);
    }
  }

  @Override
  public void superseded(Supersession supersession) {
    if (lane != null) {
      lane.onSuperseded(supersession);
    }
  }
}
