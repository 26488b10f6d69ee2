package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.GateProceed;
import dev.conveyor.workflows.deploy.GateSkip;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.lane.LaneGrant;
import dev.conveyor.workflows.lane.Supersession;
import dev.conveyor.workflows.rollback.RollbackResult;
import dev.conveyor.workflows.rollback.RollbackStatus;
import dev.conveyor.workflows.rollback.RollbackWorkflow;
import dev.conveyor.workflows.rollback.ServiceRollbackRequest;
import io.temporal.api.common.v1.Payloads;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./conveyor rollback} against the Temporal test server (its own process), with stand-in
 * workflows on the control queue that answer the way the real ones do.
 */
@Timeout(120)
class RollbackCommandTests {
  static TemporalTestServer temporal;
  static WorkerFactory workers;

  @BeforeAll
  static void startServerAndStandIns() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
    workers = WorkerFactory.newInstance(temporal.client());
    workers
        .newWorker(TaskQueues.CONTROL)
        .registerWorkflowImplementationTypes(StandInDeployment.class, StandInRollback.class);
    workers.start();
  }

  @AfterAll
  static void stopServer() {
    workers.shutdownNow();
    temporal.close();
  }

  private static String startDeployment(String service) {
    String id = "deploy/qa/" + service + "/0123456789ab";
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
        new DeployRequest("/defs", "qa", service, "0123456789ab" + "0".repeat(28), "ci", false));
    return id;
  }

  @Test
  void rollbackByIdIsAcceptedByARunningDeployment() {
    String id = startDeployment("billing");

    Run run =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--id",
            id,
            "--reason",
            "5xx up",
            "--by",
            "bob");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains(id + ": rollback accepted, requested by bob: 5xx up");
  }

  @Test
  void rollbackByIdPrintsTheRefusalAndExitsOne() {
    String id = startDeployment("first");

    Run run = cli("rollback", "--temporal", temporal.address(), "--id", id, "--reason", "bad");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains(id + ": rollback refused: nothing to roll back to: this is the first deployment");
  }

  @Test
  void rollbackByIdOfAnUnknownDeploymentIsAUsageError() {
    Run run =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--id",
            "deploy/qa/x/none",
            "--reason",
            "bad");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no running workflow deploy/qa/x/none");
  }

  @Test
  void rollbackOfAServiceStartsTheRollbackWorkflowAndWaitsForIt(@TempDir Path defs) {
    Run run =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--service",
            "billing",
            "--env",
            "qa",
            "--to",
            "c0ffee12",
            "--reason",
            "5xx up",
            "--by",
            "bob",
            "--definitions",
            defs.toString(),
            "--wait");

    assertThat(run.exitCode()).as(run.err()).isZero();
    String id = run.out().lines().findFirst().orElseThrow();
    assertThat(id).matches("rollback/qa/billing/\\d{8}-\\d{6}");
    assertThat(run.out()).contains("rolled_back: c0ffee12 live again for bob: 5xx up");
    ServiceRollbackRequest input = input(id);
    assertThat(input.definitions()).isEqualTo(defs.toAbsolutePath().toString());
    assertThat(input.to()).isEqualTo("c0ffee12");
    assertThat(input.requestedBy()).isEqualTo("bob");
  }

  @Test
  void rollbackThatFailsPrintsWhyAndExitsOne(@TempDir Path defs) {
    Run run =
        cli(
            "rollback",
            "--temporal",
            temporal.address(),
            "--service",
            "fresh",
            "--env",
            "qa",
            "--reason",
            "bad",
            "--definitions",
            defs.toString(),
            "--wait");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("rollback failed at commit: nothing to roll back to");
  }

  @Test
  void rollbackWithoutAReasonIsAUsageError() {
    Run run = cli("rollback", "--service", "billing", "--env", "qa");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--reason");
  }

  @Test
  void rollbackWithoutServiceOrIdSaysWhatToPass() {
    Run run = cli("rollback", "--reason", "bad");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("pass --service and --env (or --id DEPLOY_ID");
  }

  private static ServiceRollbackRequest input(String workflowId) {
    Payloads payloads =
        temporal
            .client()
            .fetchHistory(workflowId)
            .getEvents()
            .get(0)
            .getWorkflowExecutionStartedEventAttributes()
            .getInput();
    return DefaultDataConverter.newDefaultInstance()
        .fromPayloads(
            0, Optional.of(payloads), ServiceRollbackRequest.class, ServiceRollbackRequest.class);
  }

  /** Waits until rolled back; refuses like the real one when there is no earlier version. */
  public static final class StandInDeployment implements ServiceDeploymentWorkflow {
    private DeployRequest request;
    private RollbackRequest rollback;

    @Override
    public DeployResult deploy(DeployRequest request) {
      this.request = request;
      Workflow.await(() -> rollback != null);
      throw ApplicationFailure.newNonRetryableFailure(
          "rolled back: " + rollback.reason(), "RolledBack");
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
    public void rollback(RollbackRequest request) {
      rollback = request;
    }

    @Override
    public String requestRollback(RollbackRequest request) {
      rollback = request;
      return "requested by " + request.by() + ": " + request.reason();
    }

    @Override
    public void validateRollback(RollbackRequest request) {
      if (request != null && this.request != null && "first".equals(this.request.service())) {
        throw new IllegalArgumentException(
            "nothing to roll back to: this is the first deployment of first to qa");
      }
    }

    @Override
    public void pause(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void resume(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void abort(dev.conveyor.workflows.control.OperatorAction action) {}

    @Override
    public void laneGranted(LaneGrant grant) {}

    @Override
    public void superseded(Supersession supersession) {}
  }

  /** Rolls back at once, or fails as the real one does when there is no earlier version. */
  public static final class StandInRollback implements RollbackWorkflow {
    @Override
    public RollbackResult rollback(ServiceRollbackRequest request) {
      if ("fresh".equals(request.service())) {
        throw ApplicationFailure.newNonRetryableFailure(
            "rollback failed at commit: nothing to roll back to", "RollbackFailed");
      }
      String id = Workflow.getInfo().getWorkflowId();
      return new RollbackResult(
          id,
          request.env(),
          request.service(),
          RollbackResult.ROLLED_BACK,
          null,
          null,
          null,
          null,
          null,
          request.to() + " live again for " + request.requestedBy() + ": " + request.reason());
    }

    @Override
    public RollbackStatus status() {
      return null;
    }

    @Override
    public void laneGranted(LaneGrant grant) {}

    @Override
    public void superseded(Supersession supersession) {}
  }
}
