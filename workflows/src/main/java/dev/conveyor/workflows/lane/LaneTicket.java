package dev.conveyor.workflows.lane;

/**
 * One deployment asking to enter a lane. The run id makes the ticket name one run exactly, so a
 * later run of the same workflow id is a different ticket.
 *
 * @param requestedAt when the deployment was requested (its run's start, epoch millis): among
 *     waiting tickets the latest one wins
 */
public record LaneTicket(String workflowId, String runId, String commit, long requestedAt) {

  boolean sameRun(String otherWorkflowId, String otherRunId) {
    return workflowId.equals(otherWorkflowId) && runId.equals(otherRunId);
  }

  /** Newer by request time; on a tie the ticket that arrived later (this one) counts as newer. */
  boolean newerThan(LaneTicket other) {
    return requestedAt >= other.requestedAt;
  }
}
