package dev.conveyor.workflows.testing;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.release.StackReleaseWorkflowImpl;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;

/** The worker set-up the worker module will have: both task queues, every workflow type. */
public final class TestWorkers {
  private TestWorkers() {}

  /**
   * A started time-skipping test environment with Conveyor's search attributes, the control queue
   * serving every workflow and all activities, the build queue serving the same activities.
   */
  public static TestWorkflowEnvironment start(Object activities, Class<?>... extraWorkflows) {
    return start(new Object[] {activities}, extraWorkflows);
  }

  /** The same with several activity implementations (e.g. a test's own fakes beside the steps). */
  public static TestWorkflowEnvironment start(Object[] activities, Class<?>... extraWorkflows) {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    for (var key : SearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(
        ServiceDeploymentWorkflowImpl.class,
        ServiceLaneWorkflowImpl.class,
        StackReleaseWorkflowImpl.class);
    if (extraWorkflows.length > 0) {
      control.registerWorkflowImplementationTypes(extraWorkflows);
    }
    control.registerActivitiesImplementations(activities);
    Worker build = env.newWorker(TaskQueues.BUILD);
    build.registerActivitiesImplementations(activities);
    env.start();
    return env;
  }
}
