package dev.conveyor.workflows.lane;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A mutex per (environment, service), id {@code lane/<env>/<service>}: one deployment runs, at most
 * one waits (the newest), older waiting ones are superseded. Long-lived; members start it as an
 * abandoned child when it is not running (see {@link LaneMembership} and docs/architecture.md).
 */
@WorkflowInterface
public interface ServiceLaneWorkflow {
  /** Never returns: the lane serves its members and continues as new when its history grows. */
  @WorkflowMethod
  void run(LaneState state);

  /** A member asks for the lane. Repeating the same ticket changes nothing. */
  @SignalMethod
  void enter(LaneTicket ticket);

  /** A member is done (or stops waiting). Unknown members are ignored. */
  @SignalMethod
  void leave(LaneExit exit);

  @QueryMethod
  LaneStatus status();
}
