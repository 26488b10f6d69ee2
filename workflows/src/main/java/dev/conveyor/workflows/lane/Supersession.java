package dev.conveyor.workflows.lane;

/** A newer deployment of the same service took this one's place in the queue. */
public record Supersession(String laneId, String byWorkflowId, String byCommit) {}
