package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./conveyor list} against the Temporal test server, which answers UNIMPLEMENTED to
 * visibility queries: the fallback listing and its filters. Workflows are started without a worker,
 * with the search attributes a deployment sets at its start.
 */
@Timeout(120)
class ListCommandTests {
  static TemporalTestServer temporal;

  @BeforeAll
  static void startServerAndWorkflows() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
    start(
        "ServiceDeploymentWorkflow", "deploy/qa/billing/aaaaaaaaaaaa", "qa", "billing", "running");
    start("ServiceDeploymentWorkflow", "deploy/qa/web/bbbbbbbbbbbb", "qa", "web", "baking");
    start(
        "ServiceDeploymentWorkflow",
        "deploy/prod/billing/cccccccccccc",
        "prod",
        "billing",
        "running");
    start("RollbackWorkflow", "rollback/qa/billing/20261127-101500", "qa", "billing", "running");
    temporal.terminate("deploy/qa/web/bbbbbbbbbbbb");
    temporal
        .client()
        .newUntypedWorkflowStub(
            "ServiceLaneWorkflow",
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId("lane/qa/billing")
                .build())
        .start();
  }

  @AfterAll
  static void stopServer() {
    temporal.close();
  }

  private static void start(String type, String id, String env, String service, String status)
      throws InterruptedException {
    temporal
        .client()
        .newUntypedWorkflowStub(
            type,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(id)
                .setTypedSearchAttributes(
                    io.temporal.common.SearchAttributes.newBuilder()
                        .set(SearchAttributes.ENV, env)
                        .set(SearchAttributes.SERVICE, service)
                        .set(SearchAttributes.STATUS, status)
                        .build())
                .build())
        .start();
    Thread.sleep(20); // distinct start times, for the order
  }

  private static List<String> ids(Run run) {
    return run.out().lines().skip(1).map(line -> line.split("\\s+")[0]).toList();
  }

  @Test
  void listWithoutFiltersShowsEveryConveyorWorkflowNewestFirstButNoLane() {
    Run run = cli("list", "--temporal", temporal.address());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("WORKFLOW ID");
    assertThat(ids(run))
        .containsExactly(
            "rollback/qa/billing/20261127-101500",
            "deploy/prod/billing/cccccccccccc",
            "deploy/qa/web/bbbbbbbbbbbb",
            "deploy/qa/billing/aaaaaaaaaaaa");
  }

  @Test
  void listFiltersByEnvServiceAndTemporalState() {
    Run run =
        cli(
            "list",
            "--temporal",
            temporal.address(),
            "--env",
            "qa",
            "--service",
            "billing",
            "--status",
            "running");

    assertThat(ids(run))
        .containsExactly("rollback/qa/billing/20261127-101500", "deploy/qa/billing/aaaaaaaaaaaa");
  }

  @Test
  void listFiltersByTerminatedStateAndShowsTheConveyorStatus() {
    Run run = cli("list", "--temporal", temporal.address(), "--status", "terminated");

    assertThat(ids(run)).containsExactly("deploy/qa/web/bbbbbbbbbbbb");
    assertThat(run.out()).contains("terminated").contains("baking");
  }

  @Test
  void listFiltersByConveyorStatus() {
    Run run = cli("list", "--temporal", temporal.address(), "--status", "baking");

    assertThat(ids(run)).containsExactly("deploy/qa/web/bbbbbbbbbbbb");
  }

  @Test
  void listHonoursTheLimit() {
    Run run = cli("list", "--temporal", temporal.address(), "--limit", "2");

    assertThat(ids(run))
        .containsExactly("rollback/qa/billing/20261127-101500", "deploy/prod/billing/cccccccccccc");
  }

  @Test
  void listSaysSoWhenNothingMatches() {
    Run run = cli("list", "--temporal", temporal.address(), "--env", "staging");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("no matching workflows");
  }

  @Test
  void listQueryUsesTheSearchAttributesForARealServer() {
    ListCommand list = new ListCommand();
    list.env = "prod";
    list.status = "running";
    assertThat(list.query()).isEqualTo("ConveyorEnv = \"prod\" AND ExecutionStatus = \"Running\"");
    list.env = null;
    list.service = "bil\"ling";
    list.status = "rolled back";
    assertThat(list.query())
        .isEqualTo(
            "ConveyorEnv IS NOT NULL AND ConveyorService = \"bil\\\"ling\""
                + " AND ConveyorStatus = \"rolled back\"");
  }
}
