package dev.conveyor.workflows.release;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepStatus;
import dev.conveyor.workflows.release.ReleaseNode.Rollback;
import dev.conveyor.workflows.rollback.RollbackResult;
import dev.conveyor.workflows.rollback.RollbackWorkflow;
import dev.conveyor.workflows.rollback.ServiceRollbackRequest;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;

/**
 * The release's rollback: every service the release deployed goes back to its previous version in
 * reverse dependency order, each only once the rollbacks of all the members that need it have
 * ended. Each goes through the audited path that already exists: a deployment still running gets
 * its own {@code rollback} signal (it stops its step and restores what it changed); a deployment
 * that has ended is undone by a {@link RollbackWorkflow} child in the service's lane.
 *
 * <p>A member whose dependent could not be rolled back is left on its new version (the dependent
 * still runs against it). Workflow code: state changes here only decide; signals and child starts
 * happen from the release's main loop through {@link #advance}.
 */
final class ReleaseRollback {
  private static final Logger log = Workflow.getLogger(ReleaseRollback.class);

  private final Map<String, ReleaseNode> nodes;
  private final ReleaseGraph graph;
  private final ReleaseRequest request;
  private final String releaseId;
  private final RollbackRequest asked;
  private final Runnable changed;
  private final BiConsumer<ReleaseNode, RollbackRequest> signalRollback;

  ReleaseRollback(
      Map<String, ReleaseNode> nodes,
      ReleaseGraph graph,
      ReleaseRequest request,
      String releaseId,
      RollbackRequest asked,
      Runnable changed,
      BiConsumer<ReleaseNode, RollbackRequest> signalRollback) {
    this.nodes = nodes;
    this.graph = graph;
    this.request = request;
    this.releaseId = releaseId;
    this.asked = asked;
    this.changed = changed;
    this.signalRollback = signalRollback;
  }

  /** Every member's rollback has ended (or it had nothing to roll back). */
  boolean done() {
    return nodes.values().stream().allMatch(node -> node.rollback == Rollback.DONE);
  }

  /** Whether some member could not be rolled back. */
  boolean failed() {
    return nodes.values().stream()
        .anyMatch(node -> node.finalState == ServiceState.ROLLBACK_FAILED);
  }

  /** Starts the rollbacks whose turn it is, dependents first; returns whether it did anything. */
  boolean advance() {
    boolean acted = false;
    List<ReleaseNode> reverse = new ArrayList<>(nodes.values());
    Collections.reverse(reverse);
    for (ReleaseNode node : reverse) {
      if (node.rollback == Rollback.NONE) {
        node.rollback = Rollback.WAITING;
      }
      if (node.rollback != Rollback.WAITING) {
        continue;
      }
      if (!node.proceeded) {
        // Its gate never opened: it changed nothing, so there is nothing to undo.
        if (node.finalState != null) {
          done(node, "nothing to roll back: " + lower(node.finalState) + ", no change made");
          acted = true;
        }
        continue;
      }
      List<String> waitingFor = new ArrayList<>();
      List<String> notRolledBack = new ArrayList<>();
      for (String dependent : graph.dependents(node.service)) {
        ReleaseNode other = nodes.get(dependent);
        if (other.rollback != Rollback.DONE) {
          waitingFor.add(dependent);
        } else if (other.finalState == ServiceState.ROLLBACK_FAILED) {
          notRolledBack.add(dependent);
        }
      }
      if (!waitingFor.isEmpty()) {
        node.rollbackDetail = "waits for the rollback of " + String.join(", ", waitingFor);
        continue;
      }
      acted = true;
      if (!notRolledBack.isEmpty()) {
        fail(
            node,
            "not rolled back: "
                + String.join(", ", notRolledBack)
                + " could not be rolled back and still runs against it");
        continue;
      }
      if (!node.childEnded) {
        node.rollback = Rollback.SIGNALLED;
        node.rollbackStartedAt = Workflow.currentTimeMillis();
        node.rollbackDetail = "its running deployment " + node.workflowId + " rolls back";
        signalRollback.accept(node, reason());
        continue;
      }
      startAfterEnd(node);
    }
    return acted;
  }

  /** The member's deployment has ended: undo it with a rollback workflow if it changed anything. */
  private void startAfterEnd(ReleaseNode node) {
    if (node.finalState != ServiceState.SUCCEEDED) {
      done(node, "nothing to roll back: " + lower(node.finalState));
      return;
    }
    if (!changedConfig(node)) {
      done(
          node,
          "nothing to roll back: the config repo already held this version before the release");
      return;
    }
    if (node.previousImage == null) {
      fail(
          node,
          "not rolled back: this was the first deployment of "
              + node.service
              + " to "
              + request.env()
              + " (nothing earlier to return to)");
      return;
    }
    start(node);
  }

  /** Called by the release when a deployment ends while its rollback was asked by signal. */
  void deploymentEnded(ReleaseNode node, RuntimeException failure) {
    if (node.rollback != Rollback.SIGNALLED) {
      return;
    }
    if (failure == null) {
      if (node.finalState == ServiceState.SUCCEEDED) {
        // The signal came after its last step: undo it like any ended deployment.
        // The main loop starts it (child workflows start from there, not from a callback).
        node.rollback = Rollback.WAITING;
        node.rollbackDetail = "its deployment ended healthy before the signal; a rollback follows";
        changed.run();
      } else {
        done(node, "nothing to roll back: " + lower(node.finalState));
      }
      return;
    }
    String type = failureType(failure);
    String why = StackReleaseWorkflowImpl.describe(failure);
    if (ServiceDeploymentWorkflowImpl.ROLLED_BACK.equals(type)) {
      node.finalState = ServiceState.ROLLED_BACK;
      node.detail = why;
      done(node, "rolled back inside its deployment " + node.workflowId + ": " + why);
    } else if (ServiceDeploymentWorkflowImpl.ROLLBACK_FAILED.equals(type)) {
      fail(node, "rollback failed inside its deployment " + node.workflowId + ": " + why);
    } else {
      done(node, "nothing more to roll back: its deployment failed (" + why + ")");
    }
  }

  private void start(ReleaseNode node) {
    String id = WorkflowIds.rollback(request.env(), node.service, rollbackId());
    RollbackWorkflow child =
        Workflow.newChildWorkflowStub(
            RollbackWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.CONTROL)
                .setStaticSummary(
                    "roll back " + node.service + " in " + request.env() + " for " + releaseId)
                .build());
    node.rollback = Rollback.RUNNING;
    node.rollbackWorkflowId = id;
    node.rollbackStartedAt = Workflow.currentTimeMillis();
    node.rollbackDetail = "rolling back as " + id;
    RollbackRequest why = reason();
    Promise<RollbackResult> result =
        Async.function(
            child::rollback,
            new ServiceRollbackRequest(
                request.definitions(),
                request.env(),
                node.service,
                null,
                why.by(),
                why.reason(),
                node.configCommit));
    result.handle(
        (rolledBack, failure) -> {
          rollbackEnded(node, rolledBack, failure);
          return null;
        });
  }

  private void rollbackEnded(ReleaseNode node, RollbackResult result, RuntimeException failure) {
    changed.run();
    if (failure != null) {
      fail(node, "rollback " + node.rollbackWorkflowId + " failed: " + describe(failure));
      return;
    }
    if (RollbackResult.ROLLED_BACK.equals(result.outcome())) {
      node.finalState = ServiceState.ROLLED_BACK;
      node.detail =
          "rolled back to "
              + result.image()
              + " (config "
              + WorkflowIds.shortCommit(result.configCommit())
              + ")";
      done(node, "rolled back by " + node.rollbackWorkflowId + ": " + result.detail());
    } else {
      node.finalState = ServiceState.SUPERSEDED;
      node.detail = result.detail();
      done(node, "not rolled back by " + node.rollbackWorkflowId + ": " + result.detail());
    }
  }

  private void done(ReleaseNode node, String detail) {
    node.rollback = Rollback.DONE;
    node.rollbackDetail = detail;
    if (node.rollbackStartedAt != 0) {
      node.rollbackEndedAt = Workflow.currentTimeMillis();
    }
    changed.run();
    log.info("{}: {}: {}", releaseId, node.service, detail);
  }

  private void fail(ReleaseNode node, String detail) {
    node.finalState = ServiceState.ROLLBACK_FAILED;
    node.detail = detail;
    done(node, detail);
  }

  /** What each member's rollback is told: the release's request, naming the release. */
  private RollbackRequest reason() {
    return new RollbackRequest(
        "rollback of release " + releaseId + ": " + asked.reason(), asked.by());
  }

  /** {@code release-<stack>-<releaseId>}: one rollback per service and release. */
  private String rollbackId() {
    return "release-" + request.stack() + "-" + releaseId.substring(releaseId.lastIndexOf('/') + 1);
  }

  /** Whether its commit step wrote a new config commit (not "unchanged at …"). */
  private static boolean changedConfig(ReleaseNode node) {
    for (StepStatus step : node.steps) {
      if (step.step() == Step.COMMIT) {
        return step.detail() == null || !step.detail().startsWith("unchanged");
      }
    }
    return true;
  }

  private static String failureType(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof ChildWorkflowFailure && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof ApplicationFailure app ? app.getType() : null;
  }

  private static String describe(Throwable failure) {
    return StackReleaseWorkflowImpl.describe(failure);
  }

  private static String lower(ServiceState state) {
    return state == null ? "not started" : state.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
