package dev.conveyor.workflows.lane;

/** The lane lets the member through. Sent again now and then while it holds the lane (see docs). */
public record LaneGrant(String laneId) {}
