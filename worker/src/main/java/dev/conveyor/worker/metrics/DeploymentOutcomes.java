package dev.conveyor.worker.metrics;

import com.uber.m3.tally.Scope;
import dev.conveyor.workflows.deploy.DeployRequest;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * Counts service deployments started, succeeded, failed and canceled, tagged by env and service.
 *
 * <p>It runs inside the workflow, around the workflow method, and counts through {@link
 * Workflow#getMetricsScope()}: the SDK drops what that scope records while a workflow replays, so a
 * worker that replays a deployment (after a crash, a cache eviction or for a query) does not count
 * it again. Workflow code itself stays free of metrics. Exceptions other than {@link
 * TemporalFailure} fail the workflow task, not the workflow (Temporal retries the task), so they
 * are not counted as a failed deployment.
 */
final class DeploymentOutcomes extends WorkflowInboundCallsInterceptorBase {
  static final String STARTED = "conveyor_deployments_started";
  static final String SUCCEEDED = "conveyor_deployments_succeeded";
  static final String FAILED = "conveyor_deployments_failed";
  static final String CANCELED = "conveyor_deployments_canceled";

  DeploymentOutcomes(WorkflowInboundCallsInterceptor next) {
    super(next);
  }

  @Override
  public WorkflowOutput execute(WorkflowInput input) {
    Object[] arguments = input.getArguments();
    if (arguments.length == 0 || !(arguments[0] instanceof DeployRequest request)) {
      return super.execute(input);
    }
    Scope scope =
        Workflow.getMetricsScope()
            .tagged(Map.of("env", tag(request.env()), "service", tag(request.service())));
    scope.counter(STARTED).inc(1);
    try {
      WorkflowOutput output = super.execute(input);
      scope.counter(SUCCEEDED).inc(1);
      return output;
    } catch (CanceledFailure canceled) {
      scope.counter(CANCELED).inc(1);
      throw canceled;
    } catch (TemporalFailure failure) {
      scope.counter(FAILED).inc(1);
      throw failure;
    }
  }

  private static String tag(String value) {
    return value == null || value.isBlank() ? "unknown" : value;
  }
}
