package dev.conveyor.cli;

import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;

/** How many workflows a test server holds: the bad-input tests' proof that nothing started. */
public final class Workflows {
  private Workflows() {}

  /** Open and closed executions (the test server has no visibility queries, but these lists). */
  public static long count(TemporalTestServer temporal) {
    WorkflowServiceStubs stubs = temporal.client().getWorkflowServiceStubs();
    long open =
        stubs
            .blockingStub()
            .listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setMaximumPageSize(1000)
                    .build())
            .getExecutionsCount();
    long closed =
        stubs
            .blockingStub()
            .listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setMaximumPageSize(1000)
                    .build())
            .getExecutionsCount();
    return open + closed;
  }
}
