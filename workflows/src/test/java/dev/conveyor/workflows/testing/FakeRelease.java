package dev.conveyor.workflows.testing;

import dev.conveyor.workflows.deploy.BuiltNotice;
import dev.conveyor.workflows.deploy.GateHolder;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.ArrayList;
import java.util.List;

/** Holds gates and never decides: the test opens or closes them by signalling the deployment. */
@WorkflowInterface
public interface FakeRelease extends GateHolder {
  @WorkflowMethod
  void hold();

  @QueryMethod
  List<BuiltNotice> notices();

  final class Impl implements FakeRelease {
    private final List<BuiltNotice> notices = new ArrayList<>();

    @Override
    public void hold() {
      Workflow.await(() -> false);
    }

    @Override
    public void built(BuiltNotice notice) {
      notices.add(notice);
    }

    @Override
    public List<BuiltNotice> notices() {
      return List.copyOf(notices);
    }
  }
}
