package dev.conveyor.workflows.lane;

/** A member is done with the lane (or stops waiting for it). */
public record LaneExit(String workflowId, String runId) {}
