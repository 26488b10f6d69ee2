package dev.conveyor.workflows.job;

import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
import dev.conveyor.workflows.steps.JobActivities;
import dev.conveyor.workflows.steps.JobActivities.JobRegistration;
import dev.conveyor.workflows.steps.JobActivities.ListedJob;
import dev.conveyor.workflows.steps.JobActivities.RegisterJobRequest;
import dev.conveyor.workflows.steps.JobActivities.Scheduler;
import dev.conveyor.workflows.steps.JobActivities.VerifyJobRequest;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.KvActivities.KvRestoreRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import dev.conveyor.workflows.steps.ResolvedJob;
import dev.conveyor.workflows.steps.StepOptions;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.workflow.Workflow;

/**
 * The steps that make an earlier job definition current again, shared by a job deployment's own
 * rollback ({@link JobDeploymentWorkflowImpl}) and {@link JobRollbackWorkflowImpl} ({@code
 * ./conveyor rollback --job}): a config commit restoring the earlier definition, KV, then Chronos.
 * Workflow code only; each call is one activity whose idempotency its interface describes (the
 * rollback commit is found again by its workflow trailers, KV is compared before it is set, Chronos
 * upserts by name and is not posted to when it already holds the definition), so a retried or
 * replayed rollback repeats nothing.
 *
 * <p>The order of the activities here is part of both workflows' histories: changing it needs a
 * {@link Workflow#getVersion} marker in both.
 */
final class JobRestorer {
  private final GitOpsActivities gitops =
      Workflow.newActivityStub(GitOpsActivities.class, StepOptions.REMOTE_CALL);
  private final KvActivities kv =
      Workflow.newActivityStub(KvActivities.class, StepOptions.REMOTE_CALL);
  private final JobActivities chronos =
      Workflow.newActivityStub(JobActivities.class, StepOptions.REMOTE_CALL);
  private final String workflowId;

  /**
   * @param workflowId the running workflow's id: the idempotency key of every step
   */
  JobRestorer(String workflowId) {
    this.workflowId = workflowId;
  }

  /**
   * Commits the restored job definition ({@code chronos/<env>/<job>.json}) to the config repo.
   *
   * @param rollbackOf the config commit whose version is undone, or null for whatever the head
   *     holds
   * @param to the config commit to restore, or null for the previous version
   */
  RollbackCommitResult commit(
      ResolvedJob resolved, String rollbackOf, String to, String by, String reason) {
    return gitops.commitRollback(
        new RollbackCommitRequest(
            resolved.definitions(),
            resolved.env(),
            resolved.job(),
            rollbackOf,
            to,
            workflowId,
            by,
            reason,
            WorkloadKind.JOB));
  }

  /**
   * Puts {@code image} back in {@code conveyor/<env>/jobs/<job>/image}; {@code …/previous} then
   * names the image left.
   *
   * @param expectedImage the image being undone, or null to restore over whatever is there
   */
  KvResult restoreKv(ResolvedJob resolved, String expectedImage, String image, String commit) {
    return kv.restore(
        new KvRestoreRequest(
            resolved.consulUrl(),
            resolved.env(),
            resolved.job(),
            expectedImage,
            image,
            commit,
            WorkloadKind.JOB));
  }

  /**
   * Registers the restored definition with Chronos (an upsert by name, read at the rollback commit)
   * and checks that Chronos lists it with the restored image.
   */
  Reregistered reregister(ResolvedJob resolved, RollbackCommitResult restored) {
    Scheduler scheduler =
        new Scheduler(resolved.env(), resolved.chronosUrl(), resolved.chronosApiPrefix());
    JobRegistration registration =
        chronos.registerJob(
            new RegisterJobRequest(
                scheduler,
                resolved.definitions(),
                restored.configCommit(),
                restored.path(),
                resolved.chronosName(),
                restored.image(),
                workflowId));
    ListedJob listed =
        chronos.verifyJob(
            new VerifyJobRequest(scheduler, resolved.chronosName(), restored.image()));
    return new Reregistered(registration, listed);
  }

  /** What Chronos answered to the restored definition. */
  record Reregistered(JobRegistration registration, ListedJob listed) {
    String summary() {
      return (registration.alreadyRegistered() ? "already registered via " : "registered via ")
          + registration.endpoint()
          + ", listed with "
          + listed.image();
    }
  }
}
