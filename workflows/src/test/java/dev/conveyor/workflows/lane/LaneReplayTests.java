package dev.conveyor.workflows.lane;

import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Histories recorded since deployments build and push before their lane turn (lane version 2) and
 * lanes supersede a ticket older than the newest they let through ({@code lane-newest-wins}): they
 * must replay on the current code. Recorded by {@link
 * ServiceLaneWorkflowTests#recordsHistoriesOfDeploymentsThatBuildBeforeTheirTurnWhenAsked}.
 */
class LaneReplayTests {

  @ParameterizedTest
  @ValueSource(strings = {"deploy-superseded-on-entry.json", "deploy-built-before-turn.json"})
  void deploymentsThatBuiltBeforeTheirTurnReplay(String file) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/" + file, ServiceDeploymentWorkflowImpl.class);
  }

  @org.junit.jupiter.api.Test
  void aLaneThatSupersededALateOlderTicketReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/lane-newest-wins.json", ServiceLaneWorkflowImpl.class);
  }
}
