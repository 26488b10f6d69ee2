package dev.conveyor.workflows.job;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.rollback.RollbackProgress;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
import dev.conveyor.workflows.steps.JobResolveActivities;
import dev.conveyor.workflows.steps.JobResolveActivities.JobResolveRequest;
import dev.conveyor.workflows.steps.Notifications;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.ResolvedJob;
import dev.conveyor.workflows.steps.StepOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Resolve, rollback commit, KV, register with Chronos (and verify), notify. The restore steps are
 * {@link JobRestorer}'s, the ones a job deployment's own rollback runs.
 */
public final class JobRollbackWorkflowImpl implements JobRollbackWorkflow {
  private static final Logger log = Workflow.getLogger(JobRollbackWorkflowImpl.class);

  /** Failure type of a rollback that did not make the earlier definition current. */
  public static final String ROLLBACK_FAILED = JobDeploymentWorkflowImpl.ROLLBACK_FAILED;

  /** What the resolve step is told as commit: a rollback builds nothing from source. */
  static final String NO_SOURCE_COMMIT = "rollback";

  private final JobResolveActivities resolver =
      Workflow.newActivityStub(JobResolveActivities.class, StepOptions.REMOTE_CALL);
  private final NotifyActivities notifier =
      Workflow.newActivityStub(NotifyActivities.class, StepOptions.NOTIFY);

  private final RollbackProgress progress = new RollbackProgress("RESOLVE");
  private JobRollbackRequest request;
  private String workflowId;

  @Override
  public JobRollbackResult rollback(JobRollbackRequest request) {
    this.request = request;
    this.workflowId = Workflow.getInfo().getWorkflowId();
    if (request.reason() == null || request.reason().isBlank()) {
      throw fail("a rollback needs a reason (--reason)");
    }
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.JOB.valueSet(request.job()),
        SearchAttributes.ENV.valueSet(request.env()),
        SearchAttributes.STATUS.valueSet("running"));
    String by = by();
    JobRestorer restorer = new JobRestorer(workflowId);
    ResolvedJob resolved = null;
    try {
      progress.enter("RESOLVE", "reading the definitions");
      resolved =
          resolver.resolveJob(
              new JobResolveRequest(
                  request.definitions(), request.env(), request.job(), NO_SOURCE_COMMIT));
      progress.enter("COMMIT", "committing the earlier job definition");
      RollbackCommitResult restored =
          restorer.commit(resolved, null, request.to(), by, request.reason());
      Workflow.upsertTypedSearchAttributes(
          SearchAttributes.COMMIT.valueSet(
              restored.commit() == null ? restored.restoredFrom() : restored.commit()));
      progress.enter("KV", "KV back to " + restored.image());
      restorer.restoreKv(resolved, null, restored.image(), restored.commit());
      progress.enter(
          "REGISTER",
          "registering "
              + restored.image()
              + " from "
              + WorkflowIds.shortCommit(restored.restoredFrom())
              + " with Chronos");
      JobRestorer.Reregistered back = restorer.reregister(resolved, restored);
      String current = restored.image() + " current again (" + back.summary() + ")";
      progress.enter("NOTIFY", current);
      notifyAll(resolved, "ROLLED_BACK", null, request.reason() + " (by " + by + ")", restored);
      progress.done("ROLLED_BACK", "rolled back", current);
      log.info("{}: {}", workflowId, current);
      return new JobRollbackResult(
          workflowId,
          request.env(),
          request.job(),
          restored.configCommit(),
          restored.restoredFrom(),
          restored.image(),
          restored.rolledBackImage(),
          resolved.chronosName(),
          current);
    } catch (ActivityFailure failure) {
      String at = progress.failCurrent();
      String why = JobDeploymentWorkflowImpl.describe(failure);
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

  /** Sends to every notifier at once; a channel that keeps failing is logged, not fatal. */
  private void notifyAll(
      ResolvedJob resolved,
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
            resolved.job(),
            restored == null ? null : restored.commit(),
            restored == null ? null : restored.image(),
            outcome,
            failedStep,
            reason,
            by(),
            progress.timings()),
        JobDeploymentWorkflowImpl::describe);
  }

  private String by() {
    return request.requestedBy() == null || request.requestedBy().isBlank()
        ? "unknown"
        : request.requestedBy();
  }

  @Override
  public JobRollbackStatus status() {
    return new JobRollbackStatus(
        workflowId,
        request == null ? null : request.env(),
        request == null ? null : request.job(),
        request == null ? null : request.to(),
        request == null ? null : by(),
        request == null ? null : request.reason(),
        progress.phase(),
        progress.detail());
  }
}
