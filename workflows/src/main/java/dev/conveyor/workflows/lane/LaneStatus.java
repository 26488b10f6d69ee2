package dev.conveyor.workflows.lane;

/** Answer of the lane's {@code status} query. */
public record LaneStatus(
    String laneId,
    String env,
    String service,
    LaneTicket holder,
    LaneTicket waiting,
    long grants,
    long supersessions) {}
