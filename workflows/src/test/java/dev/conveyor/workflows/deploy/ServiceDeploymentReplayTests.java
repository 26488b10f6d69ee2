package dev.conveyor.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Running deployments must survive a worker upgrade: stored histories replay without change. */
class ServiceDeploymentReplayTests {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "deploy-billing.json",
        "deploy-web.json",
        "deploy-rollback-bake.json",
        "deploy-rollback-auto.json",
        "deploy-paused-resumed.json",
        "deploy-aborted.json"
      })
  void storedHistoryReplaysOnTheCurrentWorkflow(String file) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/" + file, ServiceDeploymentWorkflowImpl.class);
  }

  @Test
  void aReorderedWorkflowFailsReplayWithANonDeterminismError() throws Exception {
    String json = Files.readString(Path.of("src/test/resources/histories/deploy-billing.json"));
    assertThat(json).contains("Resolve");
    assertThatThrownBy(
            () -> WorkflowReplayer.replayWorkflowExecution(json, SkipsResolveWorkflow.class))
        .hasStackTraceContaining("NonDeterministicException");
  }

  /** A workflow that starts with the build instead of resolve: what a careless edit would do. */
  public static final class SkipsResolveWorkflow implements ServiceDeploymentWorkflow {
    private final dev.conveyor.workflows.steps.BuildActivities builder =
        io.temporal.workflow.Workflow.newActivityStub(
            dev.conveyor.workflows.steps.BuildActivities.class,
            ServiceDeploymentWorkflowImpl.BUILD);

    @Override
    public DeployResult deploy(DeployRequest request) {
      builder.build(
          new dev.conveyor.workflows.steps.BuildActivities.BuildRequest(
              "", request.commit(), "Dockerfile", ".", "x:y", "id"));
      return null;
    }

    @Override
    public DeployStatus status() {
      return null;
    }

    @Override
    public void proceed(GateProceed proceed) {}

    @Override
    public void skip(GateSkip skip) {}

    @Override
    public void rollback(RollbackRequest request) {}

    @Override
    public String requestRollback(RollbackRequest request) {
      return null;
    }

    @Override
    public void validateRollback(RollbackRequest request) {}

    @Override
    public void pause(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void resume(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void abort(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void laneGranted(dev.conveyor.workflows.lane.LaneGrant grant) {}

    @Override
    public void superseded(dev.conveyor.workflows.lane.Supersession supersession) {}
  }
}
