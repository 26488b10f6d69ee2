package dev.conveyor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import io.temporal.common.converter.EncodedValues;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.DynamicWorkflow;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy --wait} prints how the deployment ended, against a real Temporal test server with a
 * stand-in deployment workflow that ends as its requester asks.
 */
class DeployWaitTests {
  static TemporalTestServer temporal;
  static WorkerFactory workers;

  /** Ends with the outcome named by {@code requestedBy}: SUCCEEDED, SKIPPED or SUPERSEDED. */
  public static final class StandInDeployment implements DynamicWorkflow {
    @Override
    public Object execute(EncodedValues args) {
      DeployRequest request = args.get(0, DeployRequest.class);
      String outcome = request.requestedBy();
      return new DeployResult(
          io.temporal.workflow.Workflow.getInfo().getWorkflowId(),
          request.env(),
          request.service(),
          request.commit(),
          null,
          null,
          false,
          null,
          null,
          null,
          null,
          null,
          List.of(),
          outcome,
          outcome.equals(DeployResult.SUPERSEDED) ? "superseded by 0123456789ab" : null);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
    workers = WorkerFactory.newInstance(temporal.client());
    workers
        .newWorker(TaskQueues.CONTROL)
        .registerWorkflowImplementationTypes(StandInDeployment.class);
    workers.start();
  }

  @AfterAll
  static void stop() {
    if (workers != null) {
      workers.shutdownNow();
    }
    if (temporal != null) {
      temporal.close();
    }
  }

  private static ConveyorCliTests.Run deployWait(String commit, String outcome) {
    return ConveyorCliTests.cli(
        "deploy",
        "--service",
        "billing",
        "--env",
        "qa",
        "--commit",
        commit,
        "--definitions",
        ConveyorCliTests.DEFINITIONS.toString(),
        "--by",
        outcome,
        "--wait",
        "--temporal",
        temporal.address());
  }

  @Test
  void aSucceededDeploymentExitsZeroAndSaysSo() {
    String commit = "1".repeat(40);

    ConveyorCliTests.Run run = deployWait(commit, DeployResult.SUCCEEDED);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(WorkflowIds.deployment("qa", "billing", commit) + " SUCCEEDED")
        .doesNotContain("succeeded");
  }

  @Test
  void aSupersededDeploymentSaysWhyAndExitsOne() {
    String commit = "2".repeat(40);

    ConveyorCliTests.Run run = deployWait(commit, DeployResult.SUPERSEDED);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out())
        .contains(
            WorkflowIds.deployment("qa", "billing", commit)
                + " SUPERSEDED: superseded by 0123456789ab");
  }

  @Test
  void aSkippedDeploymentExitsOne() {
    String commit = "3".repeat(40);

    ConveyorCliTests.Run run = deployWait(commit, DeployResult.SKIPPED);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains(WorkflowIds.deployment("qa", "billing", commit) + " SKIPPED");
  }
}
