package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.GateProceed;
import dev.conveyor.workflows.deploy.GateSkip;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.lane.LaneGrant;
import dev.conveyor.workflows.lane.Supersession;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./conveyor status} of a paused deployment says what it waits for; {@code resume} lets it
 * go on. A stand-in deployment on the Temporal test server (its own process) answers as the real
 * one does while paused.
 */
@Timeout(120)
class StatusWhilePausedTests {
  static TemporalTestServer temporal;
  static WorkerFactory workers;

  @BeforeAll
  static void startServerAndStandIn() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
    workers = WorkerFactory.newInstance(temporal.client());
    workers
        .newWorker(TaskQueues.CONTROL)
        .registerWorkflowImplementationTypes(PausedDeployment.class);
    workers.start();
  }

  @AfterAll
  static void stopServer() {
    workers.shutdownNow();
    temporal.close();
  }

  @Test
  void statusShowsThePauseAndResumeEndsIt() throws Exception {
    String id = "deploy/qa/billing/0123456789ab";
    ServiceDeploymentWorkflow deployment =
        temporal
            .client()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(id)
                    .build());
    WorkflowClient.start(
        deployment::deploy,
        new DeployRequest("/defs", "qa", "billing", "0123456789ab" + "0".repeat(28), "ci", false));
    cli("pause", id, "--temporal", temporal.address(), "--by", "carol", "--reason", "canary");

    Run status = awaitPaused(id);

    assertThat(status.out())
        .contains("outcome PAUSED")
        .contains("  waiting for: resume: paused before step kv (by carol: canary)");

    Run resume = cli("resume", id, "--temporal", temporal.address(), "--by", "carol");
    assertThat(resume.exitCode()).as(resume.err()).isZero();
    DeployResult result =
        io.temporal.client.WorkflowStub.fromTyped(deployment).getResult(DeployResult.class);
    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
  }

  @Test
  void followingAPausedDeploymentSaysHowToGoOnOnce() throws Exception {
    String id = "deploy/qa/billing/fedcba987654";
    ServiceDeploymentWorkflow deployment =
        temporal
            .client()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(id)
                    .build());
    WorkflowClient.start(
        deployment::deploy,
        new DeployRequest("/defs", "qa", "billing", "fedcba987654" + "0".repeat(28), "ci", false));
    cli("pause", id, "--temporal", temporal.address(), "--by", "carol", "--reason", "canary");
    awaitPaused(id);
    java.io.StringWriter text = new java.io.StringWriter();
    Thread resumer =
        new Thread(
            () -> {
              try {
                Thread.sleep(1500);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              cli("resume", id, "--temporal", temporal.address());
            });
    resumer.start();

    int code = new StatusPrinter(new java.io.PrintWriter(text, true)).follow(temporal.client(), id);
    resumer.join();

    assertThat(code).isZero();
    assertThat(text.toString())
        .containsOnlyOnce(
            id
                + " resume: paused before step kv (by carol: canary); go on with ./conveyor resume "
                + id
                + ", stop with ./conveyor abort "
                + id);
  }

  private static Run awaitPaused(String id) throws InterruptedException {
    Run run = null;
    for (int i = 0; i < 100; i++) {
      run = cli("status", id, "--temporal", temporal.address());
      if (run.out().contains("outcome PAUSED")) {
        return run;
      }
      Thread.sleep(100);
    }
    return run;
  }

  /** Pauses before "kv" when asked, like the real one, and succeeds once resumed. */
  public static final class PausedDeployment implements ServiceDeploymentWorkflow {
    private OperatorAction pause;
    private boolean paused;

    @Override
    public DeployResult deploy(DeployRequest request) {
      Workflow.await(() -> pause != null);
      paused = true;
      Workflow.await(() -> !paused);
      return new DeployResult(
          Workflow.getInfo().getWorkflowId(),
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
          DeployResult.SUCCEEDED,
          null);
    }

    @Override
    public DeployStatus status() {
      return new DeployStatus(
          Workflow.getInfo().getWorkflowId(),
          "qa",
          "billing",
          "0123456789ab",
          paused ? "PAUSED" : "RUNNING",
          null,
          null,
          null,
          List.of(),
          paused ? "resume: paused before step kv (" + pause.describe() + ")" : null);
    }

    @Override
    public void pause(OperatorAction action) {
      pause = action;
    }

    @Override
    public void resume(OperatorAction action) {
      paused = false;
    }

    @Override
    public void abort(OperatorAction action) {}

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
    public void laneGranted(LaneGrant grant) {}

    @Override
    public void superseded(Supersession supersession) {}
  }
}
