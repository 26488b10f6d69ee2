package dev.conveyor.workflows.release;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.control.Pausable;
import dev.conveyor.workflows.deploy.BuiltNotice;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.GateProceed;
import dev.conveyor.workflows.deploy.GateSkip;
import dev.conveyor.workflows.deploy.ReleaseGate;
import dev.conveyor.workflows.deploy.RollbackRequest;
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
import io.temporal.api.common.v1.WorkflowExecution;
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
 *
 * <p>The same loop starts the stack's jobs ({@link ReleaseJobs}), holds every start and gate while
 * the release is paused, aborting or rolling back, passes pause, resume and abort on to the
 * children, and walks a rollback dependents first ({@link ReleaseRollback}). All of that is behind
 * the version marker {@link #CONTROL_CHANGE}.
 */
public final class StackReleaseWorkflowImpl implements StackReleaseWorkflow {
  private static final Logger log = Workflow.getLogger(StackReleaseWorkflowImpl.class);

  /** Failure type of a release in which some service failed or was skipped. */
  public static final String RELEASE_FAILED = "ReleaseFailed";

  /** Failure type of a release rolled back by an operator: every deployed service is back. */
  public static final String RELEASE_ROLLED_BACK = "ReleaseRolledBack";

  /** Failure type of a rollback that left some service on the release's version. */
  public static final String RELEASE_ROLLBACK_FAILED = "ReleaseRollbackFailed";

  /** Failure type of a release stopped by an operator's abort. */
  public static final String RELEASE_ABORTED = "ReleaseAborted";

  /**
   * Version marker of operator control (pause, resume, abort, rollback), the bake window and jobs:
   * releases recorded before it replay as they ran and ignore those signals.
   */
  static final String CONTROL_CHANGE = "release-control";

  /** A pause longer than this aborts the release (the children's gates would close anyway). */
  static final Duration PAUSE_LIMIT = Duration.ofHours(23);

  /** Who aborts a release paused for longer than {@link #PAUSE_LIMIT}. */
  static final String PAUSE_EXPIRED_BY = "conveyor (pause limit)";

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
  private ReleaseJobs jobs;
  private ReleaseGraph graph;
  private ReleaseRequest request;
  private String workflowId;
  private String outcome = "RUNNING";
  private String definitionsCommit;
  private long startedAt;
  private boolean changed;

  // Operator control: set by the handlers, acted on by the main loop.
  private boolean controlEnabled;
  private boolean versionChecked;
  private OperatorAction pausedBy;
  private long pausedAt;
  private OperatorAction abortedBy;
  private RollbackRequest rollbackAsked;
  private boolean stopApplied;
  private ReleaseRollback rollback;
  private String control;
  private final List<Forward> forwards = new ArrayList<>();

  /** Whether the children were last told to pause (so a stop must let the gated ones go on). */
  private boolean childrenPaused;

  /** A pause, resume or abort to pass on to the running children of one kind. */
  private record Forward(String signal, OperatorAction action, To to) {}

  /** Which running children a forwarded signal goes to. */
  private enum To {
    /** Every running deployment and job. */
    ALL,
    /** Deployments whose gate is open, and jobs. */
    OPEN,
    /** Deployments whose gate is not open: built or building, nothing changed yet. */
    GATED
  }

  @Override
  public ReleaseResult release(ReleaseRequest request) {
    this.request = request;
    this.workflowId = Workflow.getInfo().getWorkflowId();
    this.startedAt = Workflow.currentTimeMillis();
    this.jobs =
        new ReleaseJobs(request, workflowId, nodes, () -> changed = true, () -> abortedBy != null);
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.ENV.valueSet(request.env()),
        SearchAttributes.STACK.valueSet(request.stack()),
        SearchAttributes.STATUS.valueSet("running"));
    controlEnabled =
        Workflow.getVersion(CONTROL_CHANGE, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
    versionChecked = true;
    if (!controlEnabled) {
      pausedBy = null;
      abortedBy = null;
      rollbackAsked = null;
      forwards.clear();
    }
    plan();
    drive();
    if (controlEnabled && rollbackAsked == null && abortedBy == null && problems().isEmpty()) {
      bake();
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    return finish();
  }

  /** The main loop: until every member (and job, and rollback) has ended. */
  private void drive() {
    while (!allSettled()) {
      changed = false;
      boolean acted = applyStop();
      acted |= forwardControl();
      acted |= sendDecisions();
      if (!held()) {
        acted |= startDeployments();
        acted |= jobs.startReady();
      }
      if (rollback != null) {
        acted |= rollback.advance();
      }
      Workflow.setCurrentDetails(progress());
      if (acted) {
        continue;
      }
      if (pausedBy != null) {
        long left = pausedAt + PAUSE_LIMIT.toMillis() - Workflow.currentTimeMillis();
        if (left <= 0 || !Workflow.await(Duration.ofMillis(left), () -> changed)) {
          abortedBy =
              new OperatorAction(
                  "paused since " + pausedBy.describe() + " for longer than " + human(PAUSE_LIMIT),
                  PAUSE_EXPIRED_BY);
          pausedBy = null;
          control = "aborted " + abortedBy.describe();
        }
      } else {
        Workflow.await(() -> changed);
      }
    }
  }

  private boolean allSettled() {
    boolean stopPending = !stopApplied && (abortedBy != null || rollbackAsked != null);
    return !stopPending
        && nodes.values().stream().allMatch(ReleaseNode::settled)
        && jobs.all().stream().allMatch(JobNode::settled)
        && (rollback == null || rollback.done());
  }

  /** Whether the release may start or open nothing: paused, aborting or rolling back. */
  private boolean held() {
    return pausedBy != null || abortedBy != null || rollbackAsked != null;
  }

  /**
   * After success: the release stays open for its bake window, accepting a rollback. Only when the
   * request asks for one, so releases that end at once stay as they were.
   */
  private void bake() {
    if (request.bakeSeconds() <= 0) {
      return;
    }
    Duration window = Duration.ofSeconds(request.bakeSeconds());
    outcome = "BAKING";
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("baking"));
    Workflow.setCurrentDetails(
        "all healthy; open for a rollback for " + human(window) + " (signal rollback)");
    boolean asked = Workflow.await(window, () -> rollbackAsked != null);
    outcome = "RUNNING";
    if (asked) {
      drive();
    }
  }

  @Override
  public void pause(OperatorAction action) {
    if (ignored("pause", action)) {
      return;
    }
    if (abortedBy != null || rollbackAsked != null) {
      log.warn("{}: pause ignored: the release is stopping ({})", workflowId, control);
      return;
    }
    if (pausedBy != null) {
      log.info("{}: pause ignored: already paused {}", workflowId, pausedBy.describe());
      return;
    }
    pausedBy = action;
    pausedAt = Workflow.currentTimeMillis();
    control = "paused " + action.describe();
    forwards.add(new Forward(Pausable.PAUSE, action, To.ALL));
    childrenPaused = true;
    changed = true;
  }

  @Override
  public void resume(OperatorAction action) {
    if (ignored("resume", action)) {
      return;
    }
    if (pausedBy == null) {
      log.info("{}: resume ignored: not paused", workflowId);
      return;
    }
    pausedBy = null;
    control = "resumed " + action.describe();
    forwards.add(new Forward(Pausable.RESUME, action, To.ALL));
    childrenPaused = false;
    changed = true;
  }

  @Override
  public void abort(OperatorAction action) {
    if (ignored("abort", action)) {
      return;
    }
    if (abortedBy != null || rollbackAsked != null) {
      log.info("{}: abort ignored: the release is already stopping ({})", workflowId, control);
      return;
    }
    abortedBy = action;
    pausedBy = null;
    control = "aborted " + action.describe();
    changed = true;
  }

  @Override
  public void rollback(RollbackRequest rollbackRequest) {
    String problem = rollbackProblem(rollbackRequest);
    if (problem != null) {
      log.warn("{}: rollback signal ignored: {}", workflowId, problem);
      return;
    }
    acceptRollback(rollbackRequest);
  }

  @Override
  public String requestRollback(RollbackRequest rollbackRequest) {
    acceptRollback(rollbackRequest);
    return "rolling back release "
        + workflowId
        + " dependents first ("
        + String.join(", ", reversedServices())
        + "); "
        + control;
  }

  @Override
  public void validateRollback(RollbackRequest rollbackRequest) {
    String problem = rollbackProblem(rollbackRequest);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** Why a rollback cannot be accepted now, or null when it can. */
  private String rollbackProblem(RollbackRequest rollbackRequest) {
    if (rollbackRequest == null
        || rollbackRequest.reason() == null
        || rollbackRequest.reason().isBlank()) {
      return "a rollback needs a reason";
    }
    if (versionChecked && !controlEnabled) {
      return "this release started before release rollbacks existed: roll back each service with"
          + " ./conveyor rollback";
    }
    if (rollbackAsked != null) {
      return "a rollback is already under way (" + control + ")";
    }
    if (abortedBy != null) {
      return "the release is aborting ("
          + control
          + "): roll back each service with ./conveyor rollback";
    }
    if (!"RUNNING".equals(outcome) && !"BAKING".equals(outcome)) {
      return "the release has ended ("
          + outcome.toLowerCase(Locale.ROOT)
          + "): roll back each service with ./conveyor rollback --service S --env "
          + (request == null ? "E" : request.env());
    }
    return null;
  }

  private void acceptRollback(RollbackRequest rollbackRequest) {
    rollbackAsked = rollbackRequest;
    pausedBy = null;
    control =
        "rollback " + new OperatorAction(rollbackRequest.reason(), rollbackRequest.by()).describe();
    log.info("{}: {}", workflowId, control);
    changed = true;
  }

  private List<String> reversedServices() {
    List<String> services = new ArrayList<>(nodes.keySet());
    java.util.Collections.reverse(services);
    return services;
  }

  /** Logs and drops a control signal the release cannot act on; true when dropped. */
  private boolean ignored(String signal, OperatorAction action) {
    if (versionChecked && !controlEnabled) {
      log.warn(
          "{}: {} ignored: this release started before releases could be paused",
          workflowId,
          signal);
      return true;
    }
    if (!"RUNNING".equals(outcome)) {
      log.warn("{}: {} ignored: the release is {}", workflowId, signal, outcome);
      return true;
    }
    if (action == null) {
      log.warn("{}: {} ignored: no operator action given", workflowId, signal);
      return true;
    }
    return false;
  }

  /**
   * On the first loop after an abort or a rollback request: members that made no change end
   * cancelled (their gate gets a skip), jobs not started end cancelled, and a rollback starts.
   */
  private boolean applyStop() {
    if (stopApplied || (abortedBy == null && rollbackAsked == null)) {
      return false;
    }
    stopApplied = true;
    String why =
        (rollbackAsked != null ? "release rolled back " : "release aborted ")
            + (rollbackAsked != null
                ? new OperatorAction(rollbackAsked.reason(), rollbackAsked.by()).describe()
                : abortedBy.describe());
    for (ReleaseNode node : nodes.values()) {
      if (node.finalState == null && !node.proceeded) {
        node.finalState = ServiceState.CANCELLED;
        node.skipReason = why;
        node.detail = "cancelled: " + why;
        if (!node.started) {
          node.endedAt = Workflow.currentTimeMillis();
        }
      }
    }
    for (JobNode job : jobs.all()) {
      if (job.finalState == null && !job.started) {
        job.finalState = ServiceState.CANCELLED;
        job.detail = "cancelled: " + why;
        job.endedAt = Workflow.currentTimeMillis();
      }
    }
    OperatorAction stop =
        abortedBy != null
            ? abortedBy
            : new OperatorAction(rollbackAsked.reason(), rollbackAsked.by());
    if (childrenPaused) {
      // A paused deployment would sit on its skip (or its rollback) until its pause limit.
      forwards.add(new Forward(Pausable.RESUME, stop, abortedBy != null ? To.GATED : To.ALL));
      childrenPaused = false;
    }
    if (abortedBy != null) {
      outcome = "ABORTING";
      forwards.add(new Forward(Pausable.ABORT, abortedBy, To.OPEN));
      Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("aborting"));
    } else {
      outcome = "ROLLING_BACK";
      rollback =
          new ReleaseRollback(
              nodes,
              graph,
              request,
              workflowId,
              rollbackAsked,
              () -> changed = true,
              (node, why2) -> signalChild(node, child -> child.rollback(why2)));
      Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("rolling back"));
    }
    log.info("{}: {}", workflowId, why);
    return true;
  }

  /**
   * Passes pauses, resumes and aborts on to running children by signal name ({@link Pausable}), so
   * a child that does not know them yet simply ignores them. An abort goes only to deployments
   * whose gate is open; the others get a skip (and a resume first, when they were paused).
   */
  private boolean forwardControl() {
    if (forwards.isEmpty()) {
      return false;
    }
    List<Forward> sending = List.copyOf(forwards);
    forwards.clear();
    for (Forward forward : sending) {
      for (ReleaseNode node : nodes.values()) {
        boolean running = node.execution != null && !node.childEnded;
        boolean addressed = forward.to() == To.ALL || (forward.to() == To.OPEN) == node.proceeded;
        if (running && addressed) {
          signalUntyped(node.workflowId, node.execution, forward);
        }
      }
      for (JobNode job : jobs.all()) {
        if (job.execution != null && !job.ended && forward.to() != To.GATED) {
          signalUntyped(job.workflowId, job.execution, forward);
        }
      }
    }
    return true;
  }

  private void signalUntyped(String id, WorkflowExecution execution, Forward forward) {
    try {
      Workflow.newUntypedExternalWorkflowStub(execution).signal(forward.signal(), forward.action());
    } catch (CanceledFailure canceled) {
      throw canceled;
    } catch (TemporalFailure gone) {
      log.warn("{}: could not pass {} to {}: {}", workflowId, forward.signal(), id, describe(gone));
    }
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
        pausedBy != null && "RUNNING".equals(outcome) ? "PAUSED" : outcome,
        definitionsCommit,
        snapshot(),
        jobSnapshot(),
        control);
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
    if (controlEnabled && plan.jobs() != null) {
      jobs.plan(plan.jobs());
    }
    log.info(
        "{}: releasing {} and jobs {} at definitions {}",
        workflowId,
        nodes.keySet(),
        jobs.names(),
        definitionsCommit);
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
      if (held()) {
        if (pausedBy != null) {
          node.detail = "release paused " + pausedBy.describe();
        }
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
      node.previousImage = deployed.previousImage();
      if (node.finalState != null) {
        afterEnd(node, null);
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
          if (abortedBy != null && node.proceeded) {
            node.finalState = ServiceState.ABORTED;
            node.detail = "aborted: " + deployed.reason();
          } else {
            node.finalState = ServiceState.SKIPPED;
            node.detail = "skipped: " + deployed.reason();
          }
          skipDependents(node.service, node.service);
        }
      }
      afterEnd(node, null);
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
    if (firstNews
        || node.finalState == ServiceState.SKIPPED
        || node.finalState == ServiceState.CANCELLED) {
      node.finalState =
          abortedBy != null && isAbort(failure) ? ServiceState.ABORTED : ServiceState.FAILED;
      node.detail = describe(failure);
    }
    if (firstNews) {
      skipDependents(node.service, node.service);
    }
    afterEnd(node, failure);
  }

  /** Lets a running rollback know that a deployment it signalled has ended. */
  private void afterEnd(ReleaseNode node, RuntimeException failure) {
    if (rollback != null) {
      rollback.deploymentEnded(node, failure);
    }
  }

  /** Whether a deployment failed because it was aborted (its failure type names an abort). */
  static boolean isAbort(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof ChildWorkflowFailure && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof ApplicationFailure app
        && app.getType() != null
        && app.getType().toLowerCase(Locale.ROOT).contains("abort");
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

  /** The services and jobs that failed or were skipped. */
  private List<String> problems() {
    List<String> problems = new ArrayList<>();
    for (ReleaseNode node : nodes.values()) {
      if (node.finalState == ServiceState.FAILED || node.finalState == ServiceState.SKIPPED) {
        problems.add(node.service + ": " + node.detail);
      }
    }
    for (JobNode job : jobs.all()) {
      if (job.finalState == ServiceState.FAILED || job.finalState == ServiceState.SKIPPED) {
        problems.add("job " + job.job + ": " + job.detail);
      }
    }
    return problems;
  }

  private ReleaseResult finish() {
    if (rollbackAsked != null || abortedBy != null) {
      return finishStopped();
    }
    List<String> problems = problems();
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

  /** An aborted or rolled-back release fails with its own type, naming every service's end. */
  private ReleaseResult finishStopped() {
    String type;
    String status;
    if (abortedBy != null) {
      outcome = "ABORTED";
      type = RELEASE_ABORTED;
      status = "aborted";
    } else if (rollback != null && rollback.failed()) {
      outcome = "ROLLBACK_FAILED";
      type = RELEASE_ROLLBACK_FAILED;
      status = "rollback failed";
    } else {
      outcome = "ROLLED_BACK";
      type = RELEASE_ROLLED_BACK;
      status = "rolled back";
    }
    List<String> ends = new ArrayList<>();
    for (ReleaseNode node : nodes.values()) {
      ends.add(node.service + " " + lower(node.state()) + " (" + node.detail + ")");
    }
    for (JobNode job : jobs.all()) {
      ends.add("job " + job.job + " " + lower(job.state()) + " (" + job.detail + ")");
    }
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet(status));
    Workflow.setCurrentDetails(status + ": " + progress());
    throw ApplicationFailure.newNonRetryableFailure(
        "release " + workflowId + " " + control + ": " + String.join("; ", ends), type, result());
  }

  private static String lower(ServiceState state) {
    return state.name().toLowerCase(Locale.ROOT).replace('_', ' ');
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
        snapshot(),
        jobSnapshot(),
        control);
  }

  private List<ServiceRelease> snapshot() {
    return nodes.values().stream().map(ReleaseNode::snapshot).toList();
  }

  private List<JobRelease> jobSnapshot() {
    return jobs == null ? List.of() : jobs.all().stream().map(JobNode::snapshot).toList();
  }

  private String progress() {
    Map<ServiceState, Integer> counts = new LinkedHashMap<>();
    nodes.values().forEach(node -> counts.merge(node.state(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    counts.forEach((state, n) -> parts.add(n + " " + lower(state)));
    String line = nodes.size() + " services: " + String.join(", ", parts);
    if (!jobs.all().isEmpty()) {
      long done = jobs.all().stream().filter(JobNode::settled).count();
      line += "; jobs " + done + "/" + jobs.all().size() + " done";
    }
    return control == null ? line : line + "; " + control;
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
