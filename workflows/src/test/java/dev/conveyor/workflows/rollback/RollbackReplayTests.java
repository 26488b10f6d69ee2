package dev.conveyor.workflows.rollback;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;

/** Running rollbacks must survive a worker upgrade: the stored history replays without change. */
class RollbackReplayTests {

  @Test
  void storedRollbackHistoryReplaysOnTheCurrentWorkflow() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/rollback-billing.json", RollbackWorkflowImpl.class);
  }
}
