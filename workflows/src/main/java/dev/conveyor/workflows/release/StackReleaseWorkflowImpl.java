package dev.conveyor.workflows.release;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.BuiltNotice;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.GateProceed;
import dev.conveyor.workflows.deploy.GateSkip;
import dev.conveyor.workflows.deploy.ReleaseGate;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedService;
import dev.conveyor.workflows.steps.ReleasePlanActivities;
import dev.conveyor.workflows.steps.ReleasePlanActivities.PlanRequest;
import dev.conveyor.workflows.steps.StepOptions;
import dev.conveyor.workflows.steps.TargetHealthActivities;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveCheck;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveReport;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Starts every member's deployment early (bounded by the build concurrency) so images build while
 * dependencies deploy, and opens each deployment's gate once the members it needs are healthy and
 * the dependencies outside the release are healthy on the target. Signal handlers and promise
 * callbacks only change state; the main loop sends every signal, so decisions happen in one place.
 */
public final class StackReleaseWorkflowImpl implements StackReleaseWorkflow {
  private static final Logger log = Workflow.getLogger(StackReleaseWorkflowImpl.class);

  /** Failure type of a release in which some service failed or was skipped. */
  public static final String RELEASE_FAILED = "ReleaseFailed";

  static final int DEFAULT_BUILD_CONCURRENCY = 4;
  static final Duration DEFAULT_PRECONDITION_TIMEOUT = Duration.ofMinutes(10);

  /** How often a dependency outside the release is asked again while it is not healthy. */
  static final Duration PRECONDITION_POLL = Duration.ofSeconds(15);

  /**
   * How long a deployment waits at its gate. Generous: it waits for whole chains of dependencies;
   * it only matters if the release itself vanishes without closing the gate.
   */
  static final Duration GATE_TIMEOUT = Duration.ofHours(24);

  /** The plan: a definitions read like resolve, retried with backoff. */
  static final ActivityOptions PLAN = StepOptions.REMOTE_CALL;

  /** One question to the target; a failed try counts as "not healthy yet" for the poll. */
  static final ActivityOptions LIVE_CHECK = StepOptions.LIVE_CHECK;

  private final ReleasePlanActivities planner =
      Workflow.newActivityStub(ReleasePlanActivities.class, PLAN);
  private final TargetHealthActivities target =
      Workflow.newActivityStub(TargetHealthActivities.class, LIVE_CHECK);

  private final Map<String, ReleaseNode> nodes = new LinkedHashMap<>();
  private ReleaseGraph graph;
  private ReleaseRequest request;
  private String workflowId;
  private String outcome = "RUNNING";
  private String definitionsCommit;
  private long startedAt;
  private boolean changed;

  @Override
  public ReleaseResult release(ReleaseRequest request) {
    this.request = request;
    this.workflowId = Workflow.getInfo().getWorkflowId();
    this.startedAt = Workflow.currentTimeMillis();
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.ENV.valueSet(request.env()),
        SearchAttributes.STACK.valueSet(request.stack()),
        SearchAttributes.STATUS.valueSet("running"));
    plan();
    while (!nodes.values().stream().allMatch(ReleaseNode::settled)) {
      changed = false;
      boolean acted = sendDecisions();
      acted |= startDeployments();
      Workflow.setCurrentDetails(progress());
      if (!acted) {
        Workflow.await(() -> changed);
      }
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    return finish();
  }

  @Override
  public void built(BuiltNotice notice) {
    ReleaseNode node = nodes.get(notice.service());
    if (node == null || !notice.workflowId().equals(node.workflowId)) {
      return;
    }
    node.building = false;
    node.builtAt = Workflow.currentTimeMillis();
    if (node.proceeded) {
      node.deployStartedAt = node.builtAt;
    }
    node.image = notice.image();
    node.digest = notice.digest();
    changed = true;
  }

  @Override
  public ReleaseStatus status() {
    return new ReleaseStatus(
        workflowId,
        request == null ? null : request.env(),
        request == null ? null : request.stack(),
        outcome,
        definitionsCommit,
        snapshot());
  }

  private void plan() {
    ReleasePlan plan;
    try {
      plan =
          planner.plan(
              new PlanRequest(
                  request.definitions(),
                  request.env(),
                  request.stack(),
                  request.services() == null ? List.of() : request.services(),
                  request.commits() == null ? Map.of() : request.commits()));
      graph = ReleaseGraph.of(plan);
    } catch (ActivityFailure failure) {
      throw failed("release failed at plan: " + describe(failure));
    } catch (IllegalArgumentException inconsistent) {
      throw failed("release failed at plan: " + inconsistent.getMessage());
    }
    definitionsCommit = plan.configCommit();
    for (PlannedService member : graph.order()) {
      nodes.put(
          member.service(),
          new ReleaseNode(
              member.service(),
              member.commit(),
              graph.needs(member.service()),
              graph.checks(member.service())));
    }
    log.info("{}: releasing {} at definitions {}", workflowId, nodes.keySet(), definitionsCommit);
  }

  /** Opens or closes gates; returns whether it changed anything. */
  private boolean sendDecisions() {
    boolean acted = false;
    for (ReleaseNode node : nodes.values()) {
      if (node.execution == null || node.childEnded || node.proceeded || node.skipSent) {
        continue;
      }
      if (node.finalState != null) {
        node.skipSent = true;
        String reason = node.skipReason;
        signalChild(node, child -> child.skip(new GateSkip(reason)));
        acted = true;
        continue;
      }
      List<String> onTarget = readyToCheck(node);
      if (onTarget == null) {
        continue;
      }
      if (!onTarget.isEmpty() && !node.checkPassed) {
        if (node.check == null) {
          startCheck(node, onTarget);
          acted = true;
        }
        continue;
      }
      node.proceeded = true;
      if (!node.building) {
        node.deployStartedAt = Workflow.currentTimeMillis();
      }
      node.detail = "gate open";
      signalChild(node, child -> child.proceed(new GateProceed(workflowId)));
      acted = true;
    }
    return acted;
  }

  /**
   * The dependencies to check on the target before the node may deploy, once every member it needs
   * has ended well; null while some has not.
   */
  private List<String> readyToCheck(ReleaseNode node) {
    List<String> onTarget = new ArrayList<>(node.checks);
    List<String> waitingFor = new ArrayList<>();
    for (String need : node.needs) {
      ServiceState state = nodes.get(need).finalState;
      if (state == ServiceState.SUPERSEDED) {
        onTarget.add(need);
      } else if (state != ServiceState.SUCCEEDED) {
        waitingFor.add(need);
      }
    }
    if (!waitingFor.isEmpty()) {
      node.detail = "waiting for " + String.join(", ", waitingFor);
      return null;
    }
    return onTarget;
  }

  /** Starts deployments in dependency order while build slots are free. */
  private boolean startDeployments() {
    int limit =
        request.buildConcurrency() > 0 ? request.buildConcurrency() : DEFAULT_BUILD_CONCURRENCY;
    long building = nodes.values().stream().filter(n -> n.started && n.building).count();
    boolean acted = false;
    for (ReleaseNode node : nodes.values()) {
      if (building >= limit) {
        break;
      }
      if (!node.started && node.finalState == null) {
        start(node);
        building++;
        acted = true;
      }
    }
    return acted;
  }

  private void start(ReleaseNode node) {
    String id = WorkflowIds.deployment(request.env(), node.service, node.commit);
    ServiceDeploymentWorkflow child =
        Workflow.newChildWorkflowStub(
            ServiceDeploymentWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .setStaticSummary(
                    "deploy "
                        + node.service
                        + " "
                        + WorkflowIds.shortCommit(node.commit)
                        + " to "
                        + request.env()
                        + " in "
                        + workflowId)
                .build());
    node.started = true;
    node.building = true;
    node.workflowId = id;
    node.startedAt = Workflow.currentTimeMillis();
    node.detail = "building";
    DeployRequest deploy =
        new DeployRequest(
            request.definitions(),
            request.env(),
            node.service,
            node.commit,
            request.requestedBy(),
            request.force(),
            new ReleaseGate(workflowId, request.stack(), GATE_TIMEOUT.toSeconds()),
            request.images() == null ? null : request.images().get(node.service));
    Promise<DeployResult> result = Async.function(child::deploy, deploy);
    Workflow.getWorkflowExecution(child)
        .handle(
            (execution, failure) -> {
              node.execution = execution;
              changed = true;
              return null;
            });
    result.handle(
        (deployed, failure) -> {
          deploymentEnded(node, deployed, failure);
          return null;
        });
  }

  private void deploymentEnded(ReleaseNode node, DeployResult deployed, RuntimeException failure) {
    changed = true;
    node.childEnded = true;
    node.building = false;
    node.endedAt = Workflow.currentTimeMillis();
    if (failure == null) {
      node.steps = deployed.steps();
      node.image = deployed.image();
      node.digest = deployed.digest();
      node.configCommit = deployed.configCommit();
      if (node.finalState != null) {
        return;
      }
      switch (deployed.outcome()) {
        case DeployResult.SUCCEEDED -> {
          node.finalState = ServiceState.SUCCEEDED;
          node.detail = "healthy; config " + WorkflowIds.shortCommit(deployed.configCommit());
        }
        case DeployResult.SUPERSEDED -> {
          node.finalState = ServiceState.SUPERSEDED;
          node.detail = deployed.reason() + "; dependents check it on the target";
        }
        default -> {
          node.finalState = ServiceState.SKIPPED;
          node.detail = "skipped: " + deployed.reason();
          skipDependents(node.service, node.service);
        }
      }
      return;
    }
    if (failure instanceof ChildWorkflowFailure child
        && child.getCause() instanceof WorkflowExecutionAlreadyStarted) {
      if (node.finalState == null) {
        node.finalState = ServiceState.SUPERSEDED;
        node.detail =
            "already running as "
                + node.workflowId
                + ": left to it; dependents check it on the target";
      }
      return;
    }
    boolean firstNews = node.finalState == null;
    if (firstNews || node.finalState == ServiceState.SKIPPED) {
      node.finalState = ServiceState.FAILED;
      node.detail = describe(failure);
    }
    if (firstNews) {
      skipDependents(node.service, node.service);
    }
  }

  /** Every member that needs {@code failed}, directly or through others, ends skipped. */
  private void skipDependents(String failed, String root) {
    for (String dependent : graph.dependents(failed)) {
      ReleaseNode node = nodes.get(dependent);
      if (node.finalState != null || node.proceeded) {
        continue;
      }
      node.finalState = ServiceState.SKIPPED;
      node.skipReason = "dependency " + root + " failed";
      node.detail = "skipped: " + node.skipReason;
      if (!node.started) {
        node.endedAt = Workflow.currentTimeMillis();
      }
      skipDependents(dependent, root);
    }
  }

  private void startCheck(ReleaseNode node, List<String> onTarget) {
    node.detail = "checking " + String.join(", ", onTarget) + " on " + request.env();
    node.check = Async.function(() -> checkOnTarget(node, onTarget));
    node.check.handle(
        (problem, failure) -> {
          changed = true;
          String reason = failure != null ? describe(failure) : problem;
          if (reason == null) {
            node.checkPassed = true;
          } else if (node.finalState == null) {
            node.finalState = ServiceState.FAILED;
            node.detail = reason;
            node.skipReason = reason;
            node.endedAt = Workflow.currentTimeMillis();
            skipDependents(node.service, node.service);
          }
          return null;
        });
  }

  /** Polls each dependency until it is healthy or the shared deadline passes; null when all are. */
  private String checkOnTarget(ReleaseNode node, List<String> onTarget) {
    Duration timeout =
        request.preconditionTimeoutSeconds() > 0
            ? Duration.ofSeconds(request.preconditionTimeoutSeconds())
            : DEFAULT_PRECONDITION_TIMEOUT;
    long deadline = Workflow.currentTimeMillis() + timeout.toMillis();
    for (String dependency : onTarget) {
      String problem = awaitLive(node, dependency, deadline, timeout);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private String awaitLive(ReleaseNode node, String dependency, long deadline, Duration timeout) {
    String why =
        node.checks.contains(dependency)
            ? "is not part of this release"
            : "was left to another deployment";
    String last;
    while (true) {
      try {
        LiveReport report =
            target.checkLive(
                new LiveCheck(request.definitions(), definitionsCommit, request.env(), dependency));
        if (report.healthy()) {
          return null;
        }
        last = report.summary();
      } catch (ActivityFailure failure) {
        if (isPermanent(failure)) {
          return "cannot check dependency "
              + dependency
              + " on "
              + request.env()
              + ": "
              + describe(failure);
        }
        last = "the target did not answer: " + describe(failure);
      }
      long left = deadline - Workflow.currentTimeMillis();
      if (left <= 0) {
        return "dependency "
            + dependency
            + " "
            + why
            + " and is not healthy on "
            + request.env()
            + " after "
            + human(timeout)
            + ": "
            + last;
      }
      node.detail = "waiting for " + dependency + " on " + request.env() + ": " + last;
      Workflow.sleep(Duration.ofMillis(Math.min(left, PRECONDITION_POLL.toMillis())));
    }
  }

  private void signalChild(ReleaseNode node, Consumer<ServiceDeploymentWorkflow> send) {
    try {
      send.accept(
          Workflow.newExternalWorkflowStub(ServiceDeploymentWorkflow.class, node.execution));
    } catch (CanceledFailure canceled) {
      throw canceled;
    } catch (TemporalFailure gone) {
      // The deployment has ended on its own; its result (or failure) tells the release how.
      log.warn("{}: could not signal {}: {}", workflowId, node.workflowId, describe(gone));
    }
  }

  private ReleaseResult finish() {
    List<String> problems = new ArrayList<>();
    for (ReleaseNode node : nodes.values()) {
      if (node.finalState == ServiceState.FAILED || node.finalState == ServiceState.SKIPPED) {
        problems.add(node.service + ": " + node.detail);
      }
    }
    outcome = problems.isEmpty() ? "SUCCEEDED" : "FAILED";
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.STATUS.valueSet(outcome.toLowerCase(Locale.ROOT)));
    Workflow.setCurrentDetails(progress());
    ReleaseResult result = result();
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "release " + workflowId + " failed: " + String.join("; ", problems),
          RELEASE_FAILED,
          result);
    }
    return result;
  }

  private ApplicationFailure failed(String message) {
    outcome = "FAILED";
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("failed"));
    Workflow.setCurrentDetails(message);
    return ApplicationFailure.newNonRetryableFailure(message, RELEASE_FAILED, result());
  }

  private ReleaseResult result() {
    return new ReleaseResult(
        workflowId,
        request.env(),
        request.stack(),
        outcome,
        definitionsCommit,
        startedAt,
        Workflow.currentTimeMillis(),
        snapshot());
  }

  private List<ServiceRelease> snapshot() {
    return nodes.values().stream().map(ReleaseNode::snapshot).toList();
  }

  private String progress() {
    Map<ServiceState, Integer> counts = new LinkedHashMap<>();
    nodes.values().forEach(node -> counts.merge(node.state(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    counts.forEach((state, n) -> parts.add(n + " " + state.name().toLowerCase(Locale.ROOT)));
    return nodes.size() + " services: " + String.join(", ", parts);
  }

  private static boolean isPermanent(ActivityFailure failure) {
    return failure.getCause() instanceof ApplicationFailure app && app.isNonRetryable();
  }

  private static String human(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  /** The innermost useful message: the deployment's or activity's own words, or the timeout. */
  static String describe(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure timeout) {
      return "timed out (" + timeout.getTimeoutType().name().toLowerCase(Locale.ROOT) + ")";
    }
    if (cause instanceof TemporalFailure temporal) {
      return temporal.getOriginalMessage();
    }
    return String.valueOf(cause.getMessage());
  }
}
