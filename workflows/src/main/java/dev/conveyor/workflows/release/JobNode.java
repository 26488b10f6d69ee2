package dev.conveyor.workflows.release;

import io.temporal.api.common.v1.WorkflowExecution;
import java.util.List;

/** One job's progress inside a running release; workflow memory only. */
final class JobNode {
  final String job;
  final String commit;

  /** Its {@code dependsOn} services that are members of the release. */
  final List<String> needs;

  boolean started;
  WorkflowExecution execution;
  boolean ended;
  ServiceState finalState;
  String detail = "";
  String workflowId;
  String image;
  String configCommit;
  long startedAt;
  long endedAt;

  JobNode(String job, String commit, List<String> needs) {
    this.job = job;
    this.commit = commit;
    this.needs = needs;
  }

  /** Done for the release: its state is known and its deployment (if any) has returned. */
  boolean settled() {
    return finalState != null && (!started || ended);
  }

  ServiceState state() {
    if (finalState != null) {
      return finalState;
    }
    return started ? ServiceState.DEPLOYING : ServiceState.PENDING;
  }

  JobRelease snapshot() {
    return new JobRelease(
        job, commit, needs, state(), detail, workflowId, image, configCommit, startedAt, endedAt);
  }
}
