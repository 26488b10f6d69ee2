package dev.conveyor.workflows.release;

import dev.conveyor.workflows.deploy.StepStatus;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.workflow.Promise;
import java.util.List;

/** One service's progress inside a running release; workflow memory only. */
final class ReleaseNode {
  final String service;
  final String commit;
  final List<String> needs;
  final List<String> checks;

  boolean started;
  boolean building;
  boolean proceeded;
  boolean skipSent;
  boolean childEnded;
  WorkflowExecution execution;
  Promise<String> check;
  boolean checkPassed;

  /** Set once the release knows how this service ends; the child may still be winding down. */
  ServiceState finalState;

  String detail = "";
  String skipReason;
  String workflowId;
  String image;
  String digest;
  String configCommit;
  long startedAt;
  long builtAt;
  long deployStartedAt;
  long endedAt;
  List<StepStatus> steps = List.of();

  ReleaseNode(String service, String commit, List<String> needs, List<String> checks) {
    this.service = service;
    this.commit = commit;
    this.needs = needs;
    this.checks = checks;
  }

  /** Done for the release: its state is known and its deployment (if any) has returned. */
  boolean settled() {
    return finalState != null && (!started || childEnded);
  }

  ServiceState state() {
    if (finalState != null) {
      return finalState;
    }
    if (!started) {
      return ServiceState.PENDING;
    }
    if (proceeded) {
      return building ? ServiceState.BUILDING : ServiceState.DEPLOYING;
    }
    if (check != null) {
      return ServiceState.CHECKING;
    }
    return building ? ServiceState.BUILDING : ServiceState.WAITING;
  }

  ServiceRelease snapshot() {
    return new ServiceRelease(
        service,
        commit,
        needs,
        checks,
        state(),
        detail,
        workflowId,
        image,
        digest,
        configCommit,
        startedAt,
        builtAt,
        deployStartedAt,
        endedAt,
        steps);
  }
}
