package dev.conveyor.workflows.lane;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A member workflow's side of a lane, used from workflow code only.
 *
 * <p>Workflow code cannot signal-with-start, so {@link #enter} does the equivalent in two steps:
 * start {@code lane/<env>/<service>} as a child with {@link
 * ParentClosePolicy#PARENT_CLOSE_POLICY_ABANDON} (an already running lane makes the start fail with
 * {@link WorkflowExecutionAlreadyStarted}, which is the normal case and ignored), then signal it
 * the ticket. Both steps are commands in the member's history, so a replay repeats neither. A lane
 * never completes on its own, so the signal finds it; if an operator terminated it in between, the
 * next attempt starts a new one.
 */
public final class LaneMembership {
  /** Start-then-signal attempts; more than one only when a lane is terminated by hand meanwhile. */
  static final int ENTER_ATTEMPTS = 3;

  private final String laneId;
  private final String env;
  private final String service;
  private final LaneTicket ticket;
  private boolean granted;
  private Supersession supersededBy;
  private boolean entered;

  /** A ticket for the current workflow run, requested at the run's start time. */
  public LaneMembership(String env, String service, String commit) {
    WorkflowInfo info = Workflow.getInfo();
    this.env = env;
    this.service = service;
    this.laneId = WorkflowIds.lane(env, service);
    this.ticket =
        new LaneTicket(
            info.getWorkflowId(), info.getRunId(), commit, info.getRunStartedTimestampMillis());
  }

  private LaneMembership(String env, String service, LaneTicket ticket) {
    this.env = env;
    this.service = service;
    this.laneId = WorkflowIds.lane(env, service);
    this.ticket = ticket;
  }

  /**
   * A second ticket for the current run, requested now: for a run that left its lane and must come
   * back (a rollback in the bake window). Being requested now, it is newer than any ticket already
   * waiting.
   */
  public static LaneMembership rejoin(String env, String service, String commit) {
    WorkflowInfo info = Workflow.getInfo();
    return new LaneMembership(
        env,
        service,
        new LaneTicket(
            info.getWorkflowId(), info.getRunId(), commit, Workflow.currentTimeMillis()));
  }

  public String laneId() {
    return laneId;
  }

  /** Makes sure the lane runs and hands it this run's ticket. */
  public void enter() {
    TemporalFailure last = null;
    for (int attempt = 0; attempt < ENTER_ATTEMPTS; attempt++) {
      startLaneUnlessRunning();
      try {
        Workflow.newExternalWorkflowStub(ServiceLaneWorkflow.class, laneId).enter(ticket);
        entered = true;
        return;
      } catch (CanceledFailure canceled) {
        throw canceled;
      } catch (TemporalFailure failure) {
        last = failure;
      }
    }
    throw last;
  }

  /**
   * Waits until the lane lets this run through or a newer deployment supersedes it, or {@code
   * giveUp} turns true (then this run leaves the queue).
   *
   * @return the supersession when superseded; empty when granted or given up
   */
  public Optional<Supersession> awaitTurn(Supplier<Boolean> giveUp) {
    Workflow.await(() -> granted || supersededBy != null || giveUp.get());
    if (supersededBy != null) {
      entered = false;
      return Optional.of(supersededBy);
    }
    return Optional.empty();
  }

  public boolean granted() {
    return granted;
  }

  /** Signal handler: hand the member's {@code laneGranted} signal here. */
  public void onGranted(LaneGrant grant) {
    if (supersededBy == null) {
      granted = true;
    }
  }

  /** Signal handler: hand the member's {@code superseded} signal here. */
  public void onSuperseded(Supersession supersession) {
    if (!granted) {
      supersededBy = supersession;
    }
  }

  /**
   * Leaves the lane, also when the member is being cancelled. A lane that cannot be reached has
   * nothing to free, so a failure is ignored.
   */
  public void leave() {
    if (!entered) {
      return;
    }
    entered = false;
    Workflow.newDetachedCancellationScope(
            () -> {
              try {
                Workflow.newExternalWorkflowStub(ServiceLaneWorkflow.class, laneId)
                    .leave(new LaneExit(ticket.workflowId(), ticket.runId()));
              } catch (TemporalFailure unreachable) {
                Workflow.getLogger(LaneMembership.class)
                    .warn("{}: could not leave {}: {}", ticket.workflowId(), laneId, unreachable);
              }
            })
        .run();
  }

  private void startLaneUnlessRunning() {
    ServiceLaneWorkflow lane =
        Workflow.newChildWorkflowStub(
            ServiceLaneWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(laneId)
                .setTaskQueue(TaskQueues.CONTROL)
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .setStaticSummary("lane: one deployment at a time of " + service + " to " + env)
                .build());
    Async.procedure(lane::run, LaneState.empty(env, service));
    try {
      Workflow.getWorkflowExecution(lane).get();
    } catch (ChildWorkflowFailure failure) {
      if (!(failure.getCause() instanceof WorkflowExecutionAlreadyStarted)) {
        throw failure;
      }
    }
  }
}
