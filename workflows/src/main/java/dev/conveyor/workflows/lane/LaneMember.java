package dev.conveyor.workflows.lane;

import io.temporal.workflow.SignalMethod;

/**
 * The signals a lane sends to its members. A workflow that goes through a lane extends this
 * interface and hands both signals to its {@link LaneMembership}.
 */
public interface LaneMember {
  /** The member holds the lane now and may start its steps. May arrive more than once. */
  @SignalMethod
  void laneGranted(LaneGrant grant);

  /** The member was waiting and a newer deployment took its place: it ends without side effects. */
  @SignalMethod
  void superseded(Supersession supersession);
}
