package dev.conveyor.workflows.rollback;

import dev.conveyor.workflows.lane.LaneMember;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Makes an earlier version of a service live again after its deployment has ended (the bake window
 * is over): {@code ./conveyor rollback --service S --env E}. Id: {@code
 * rollback/<env>/<service>/<id>} (see {@link dev.conveyor.workflows.WorkflowIds#rollback}).
 *
 * <p>It goes through the service's lane like a deployment, then takes the same audited path as a
 * deployment's own rollback: a config commit restoring the earlier definition, KV, the target, the
 * health gate, a notification. A running deployment is rolled back by its own signal or update
 * instead (docs/operations.md).
 */
@WorkflowInterface
public interface RollbackWorkflow extends LaneMember {
  /**
   * @throws io.temporal.failure.ApplicationFailure of type {@code RollbackFailed} (as a {@code
   *     WorkflowFailedException} cause) when there is nothing to roll back to or a step failed
   */
  @WorkflowMethod
  RollbackResult rollback(ServiceRollbackRequest request);

  @QueryMethod
  RollbackStatus status();
}
