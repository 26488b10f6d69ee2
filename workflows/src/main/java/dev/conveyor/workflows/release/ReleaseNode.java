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

  /** The image live before its deployment (KV {@code previous}); null on a first deployment. */
  String previousImage;

  // The release's rollback, once asked.
  Rollback rollback = Rollback.NONE;
  String rollbackDetail;
  String rollbackWorkflowId;
  long rollbackStartedAt;
  long rollbackEndedAt;

  /** How far the release's rollback got for this service. */
  enum Rollback {
    /** No rollback asked. */
    NONE,
    /** Asked; waits for its deployment to end or for its dependents' rollbacks. */
    WAITING,
    /** Its running deployment was told to roll back ({@code rollback} signal). */
    SIGNALLED,
    /** A rollback workflow runs for it. */
    RUNNING,
    /** Ended: rolled back, failed, or nothing to roll back. */
    DONE
  }

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
    if (rollback == Rollback.SIGNALLED || rollback == Rollback.RUNNING) {
      return ServiceState.ROLLING_BACK;
    }
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
        steps,
        rollbackDetail,
        rollbackWorkflowId,
        rollbackStartedAt,
        rollbackEndedAt);
  }
}
