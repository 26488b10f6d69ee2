package dev.conveyor.cli.release;

import dev.conveyor.cli.DeploymentStarter;
import dev.conveyor.cli.StartOutcome;
import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Starts a {@link StackReleaseWorkflow} with id {@code release/<env>/<stack>/<releaseId>}, shared
 * by {@code release} and the stack triggers. Idempotent by id like {@link DeploymentStarter}: a
 * second start with the same release id reports the existing workflow.
 */
public final class ReleaseStarter {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final WorkflowClient client;

  /** A starter that starts through {@code client}. */
  public ReleaseStarter(WorkflowClient client) {
    this.client = client;
  }

  /** A new release id: the UTC time and 4 random hex digits, e.g. {@code 20261127-091503-3fa2}. */
  static String newReleaseId(Clock clock) {
    byte[] random = new byte[2];
    RANDOM.nextBytes(random);
    return STAMP.format(clock.instant()) + "-" + HexFormat.of().formatHex(random);
  }

  /** The release id of a push: the same push twice is one release. */
  public static String pushReleaseId(String commit) {
    return "push-" + WorkflowIds.shortCommit(commit);
  }

  /**
   * Starts the release, or reports the one that already has its id.
   *
   * @throws io.temporal.client.WorkflowServiceException when Temporal cannot be reached or refuses
   *     the request
   */
  public StartOutcome start(String releaseId, ReleaseRequest request) {
    String workflowId = WorkflowIds.release(request.env(), request.stack(), releaseId);
    StackReleaseWorkflow workflow =
        client.newWorkflowStub(
            StackReleaseWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY)
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .setTypedSearchAttributes(
                    io.temporal.common.SearchAttributes.newBuilder()
                        .set(SearchAttributes.ENV, request.env())
                        .set(SearchAttributes.STACK, request.stack())
                        .set(SearchAttributes.STATUS, "running")
                        .build())
                .setStaticSummary("release " + request.stack() + " to " + request.env())
                .build());
    try {
      WorkflowClient.start(workflow::release, request);
      return StartOutcome.started(workflowId);
    } catch (WorkflowExecutionAlreadyStarted already) {
      return StartOutcome.existing(
          workflowId,
          client
              .newUntypedWorkflowStub(workflowId)
              .describe()
              .getStatus()
              .name()
              .replace("WORKFLOW_EXECUTION_STATUS_", ""));
    }
  }
}
