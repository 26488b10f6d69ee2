package dev.conveyor.workflows.release;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.job.JobDeployRequest;
import dev.conveyor.workflows.job.JobDeployResult;
import dev.conveyor.workflows.job.JobDeploymentWorkflow;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedJob;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The stack's jobs inside a release: each starts as a child {@link JobDeploymentWorkflow} once the
 * members it depends on have ended well, or ends skipped when one of them did not. Workflow code;
 * children start from the release's main loop ({@link #startReady}), callbacks only change state.
 */
final class ReleaseJobs {
  private final Map<String, JobNode> jobs = new LinkedHashMap<>();
  private final ReleaseRequest request;
  private final String releaseId;
  private final Map<String, ReleaseNode> nodes;
  private final Runnable changed;
  private final BooleanSupplier aborting;

  ReleaseJobs(
      ReleaseRequest request,
      String releaseId,
      Map<String, ReleaseNode> nodes,
      Runnable changed,
      BooleanSupplier aborting) {
    this.request = request;
    this.releaseId = releaseId;
    this.nodes = nodes;
    this.changed = changed;
    this.aborting = aborting;
  }

  /** Adds the plan's jobs; each needs the members among its {@code dependsOn}. */
  void plan(List<PlannedJob> planned) {
    for (PlannedJob job : planned) {
      List<String> needs =
          job.dependsOn() == null
              ? List.of()
              : job.dependsOn().stream().filter(nodes::containsKey).sorted().toList();
      jobs.put(job.job(), new JobNode(job.job(), job.commit(), needs));
    }
  }

  Collection<JobNode> all() {
    return jobs.values();
  }

  Set<String> names() {
    return jobs.keySet();
  }

  /**
   * Starts each job whose services in the release are healthy (or left to another deployment: the
   * job's own dependencies gate checks those on the target); skips a job whose service failed.
   */
  boolean startReady() {
    boolean acted = false;
    for (JobNode job : jobs.values()) {
      if (job.started || job.finalState != null) {
        continue;
      }
      List<String> waitingFor = new ArrayList<>();
      String failed = null;
      for (String need : job.needs) {
        ServiceState state = nodes.get(need).finalState;
        if (state == null) {
          waitingFor.add(need);
        } else if (state != ServiceState.SUCCEEDED && state != ServiceState.SUPERSEDED) {
          failed = need;
          break;
        }
      }
      if (failed != null) {
        job.finalState = ServiceState.SKIPPED;
        job.detail =
            "skipped: service "
                + failed
                + " "
                + nodes.get(failed).state().name().toLowerCase(Locale.ROOT);
        job.endedAt = Workflow.currentTimeMillis();
        acted = true;
      } else if (!waitingFor.isEmpty()) {
        job.detail = "waiting for " + String.join(", ", waitingFor);
      } else {
        startJob(job);
        acted = true;
      }
    }
    return acted;
  }

  private void startJob(JobNode job) {
    String id = WorkflowIds.job(request.env(), job.job, job.commit);
    JobDeploymentWorkflow child =
        Workflow.newChildWorkflowStub(
            JobDeploymentWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .setStaticSummary(
                    "deploy job "
                        + job.job
                        + " "
                        + WorkflowIds.shortCommit(job.commit)
                        + " to "
                        + request.env()
                        + " in "
                        + releaseId)
                .build());
    job.started = true;
    job.workflowId = id;
    job.startedAt = Workflow.currentTimeMillis();
    job.detail = "deploying";
    Promise<JobDeployResult> result =
        Async.function(
            child::deploy,
            new JobDeployRequest(
                request.definitions(), request.env(), job.job, job.commit, request.requestedBy()));
    Workflow.getWorkflowExecution(child)
        .handle(
            (execution, failure) -> {
              job.execution = execution;
              return null;
            });
    result.handle(
        (deployed, failure) -> {
          jobEnded(job, deployed, failure);
          return null;
        });
  }

  private void jobEnded(JobNode job, JobDeployResult deployed, RuntimeException failure) {
    changed.run();
    job.ended = true;
    job.endedAt = Workflow.currentTimeMillis();
    if (failure == null) {
      job.finalState = ServiceState.SUCCEEDED;
      job.image = deployed.image();
      job.configCommit = deployed.configCommit();
      job.detail =
          "registered as "
              + deployed.chronosName()
              + "; config "
              + WorkflowIds.shortCommit(deployed.configCommit());
    } else if (failure instanceof ChildWorkflowFailure child
        && child.getCause() instanceof WorkflowExecutionAlreadyStarted) {
      job.finalState = ServiceState.SUPERSEDED;
      job.detail = "already running as " + job.workflowId + ": left to it";
    } else {
      job.finalState =
          aborting.getAsBoolean() && StackReleaseWorkflowImpl.isAbort(failure)
              ? ServiceState.ABORTED
              : ServiceState.FAILED;
      job.detail = StackReleaseWorkflowImpl.describe(failure);
    }
  }
}
