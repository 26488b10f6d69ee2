package dev.conveyor.workflows.job;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Makes an earlier definition of a batch job current again after its deployment has ended: {@code
 * ./conveyor rollback --job J --env E}. Id: {@code job-rollback/<env>/<job>/<id>} (see {@link
 * dev.conveyor.workflows.WorkflowIds#jobRollback}).
 *
 * <p>The same audited path as a job deployment's own rollback ({@link JobRestorer}): a config
 * commit restoring the earlier job definition, KV, Chronos (register the restored definition, check
 * the listing), a notification. Jobs have no lanes: a job deployment running at the same time is
 * not waited for (the later write wins, and the config repo shows both).
 */
@WorkflowInterface
public interface JobRollbackWorkflow {
  /**
   * @throws io.temporal.failure.ApplicationFailure of type {@code RollbackFailed} (as a {@code
   *     WorkflowFailedException} cause) when there is nothing to roll back to or a step failed
   */
  @WorkflowMethod
  JobRollbackResult rollback(JobRollbackRequest request);

  @QueryMethod
  JobRollbackStatus status();
}
