package dev.conveyor.workflows.testing;

import dev.conveyor.workflows.lane.LaneGrant;
import dev.conveyor.workflows.lane.LaneMember;
import dev.conveyor.workflows.lane.Supersession;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A lane member that runs no activity and never leaves: stands in for a deployment that holds a
 * lane when an operator terminates it. (Terminating a workflow while the test server runs one of
 * its activities keeps the server's clock from skipping, so the real deployment cannot stand in.)
 */
@WorkflowInterface
public interface IdleMember extends LaneMember {
  @WorkflowMethod
  void idle();

  @QueryMethod
  int grants();

  final class Impl implements IdleMember {
    private int grants;

    @Override
    public void idle() {
      Workflow.await(() -> false);
    }

    @Override
    public int grants() {
      return grants;
    }

    @Override
    public void laneGranted(LaneGrant grant) {
      grants++;
    }

    @Override
    public void superseded(Supersession supersession) {}
  }
}
