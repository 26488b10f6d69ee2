package dev.conveyor.workflows.deploy;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.lane.LaneGrant;
import dev.conveyor.workflows.lane.LaneMembership;
import dev.conveyor.workflows.lane.Supersession;
import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.BuildActivities.BuildRequest;
import dev.conveyor.workflows.steps.BuildActivities.BuildResult;
import dev.conveyor.workflows.steps.BuildActivities.PushRequest;
import dev.conveyor.workflows.steps.BuildActivities.PushResult;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.HealthReport;
import dev.conveyor.workflows.steps.DeployActivities.HealthRequest;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitResult;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import dev.conveyor.workflows.steps.Notifications;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.NotifyActivities.StepTiming;
import dev.conveyor.workflows.steps.ResolveActivities;
import dev.conveyor.workflows.steps.ResolveActivities.ResolveRequest;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import dev.conveyor.workflows.steps.StepOptions;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The eight steps in order; see docs/architecture.md for each step's idempotency and failures.
 * Between push and KV the deployment waits for its lane (one deployment per env and service changes
 * the environment at a time; resolve, build and push run before) and, in a release, then at the
 * release gate (docs/releases.md).
 */
public final class ServiceDeploymentWorkflowImpl implements ServiceDeploymentWorkflow {
  private static final Logger log = Workflow.getLogger(ServiceDeploymentWorkflowImpl.class);

  /**
   * Version marker of the lane: deployments recorded before it (version {@code DEFAULT_VERSION})
   * replay without entering a lane, exactly as they ran. Version {@link #LANE_AWAITED_FIRST} waits
   * for the lane before the first step; since version {@link #LANE_OVERLAPPED} resolve, build and
   * push (which change no environment) run while the lane is being entered, and the lane is awaited
   * before the first step that does (the release gate, then KV).
   */
  static final String LANE_CHANGE = "service-lane";

  static final int LANE_AWAITED_FIRST = 1;
  static final int LANE_OVERLAPPED = 2;

  /**
   * Version marker of rollbacks (signal, update, automatic, bake window): deployments recorded
   * before it run their steps outside a cancellation scope, never bake and never roll back.
   */
  static final String ROLLBACK_CHANGE = "rollback";

  /**
   * Version marker of operator control (signals {@code pause}, {@code resume}, {@code abort}):
   * deployments recorded before it ignore the three signals and wait for nothing new.
   */
  static final String CONTROL_CHANGE = "operator-control";

  /**
   * How long a paused deployment waits for {@code resume} or {@code abort}. Then it aborts as
   * {@code abort} would at that step (old or new version, never a mix) and fails with a message
   * naming the pause. A paused deployment holds its lane, so the limit also bounds how long it
   * blocks the next deployment of the service.
   */
  public static final Duration PAUSE_LIMIT = Duration.ofHours(24);

  /**
   * Failure type of a deployment stopped by {@code abort} before its health gate passed: the
   * service is on its old version (or, on a first deployment, nothing older exists); the message
   * says who aborted, why, and what was undone.
   */
  public static final String ABORTED = "Aborted";

  /** Outcome (status query) while a deployment waits at a step boundary for {@code resume}. */
  public static final String PAUSED = "PAUSED";

  /** Who aborts a deployment whose pause outlived {@link #PAUSE_LIMIT}. */
  static final String PAUSE_LIMIT_BY = "conveyor (pause limit)";

  /** Failure type of the workflow itself when a step fails: the message names step and reason. */
  public static final String DEPLOYMENT_FAILED = "DeploymentFailed";

  /**
   * Failure type of a deployment that was rolled back (by signal, update or automatically): the
   * previous version is live again; the message is {@code rolled back: <reason>}.
   */
  public static final String ROLLED_BACK = "RolledBack";

  /** Failure type when a rollback itself failed: the message says at which point and why. */
  public static final String ROLLBACK_FAILED = "RollbackFailed";

  /** Who asks for an automatic rollback, in the commit trailers and the notification. */
  static final String AUTOMATIC = "conveyor (rollback: auto)";

  /** Steps stopped at once by a rollback request; the others (quick writes) finish first. */
  private static final java.util.Set<Step> CANCELLABLE =
      java.util.EnumSet.of(Step.RESOLVE, Step.BUILD, Step.PUSH, Step.HEALTH);

  /** Reads and small writes against Git, KV and target APIs: quick, retried with backoff. */
  public static final ActivityOptions REMOTE_CALL = StepOptions.REMOTE_CALL;

  /** docker build and push: long, heartbeating, on hosts with a Docker engine. */
  static final ActivityOptions BUILD = StepOptions.BUILD;

  /**
   * The health gate: heartbeats while it polls; the deadline itself comes from the service's health
   * timeout (see {@link #healthWait}). A retry after a worker crash resumes the same deadline from
   * the heartbeat details.
   */
  static final ActivityOptions HEALTH_WAIT = StepOptions.HEARTBEAT_WAIT;

  /** Margin on top of the health timeout for the activity's hard limits. */
  static final Duration HEALTH_MARGIN = Duration.ofMinutes(2);

  /** Notifications: a few quick tries, then give up; never blocks or fails the deployment. */
  public static final ActivityOptions NOTIFY = StepOptions.NOTIFY;

  private final ResolveActivities resolver =
      Workflow.newActivityStub(ResolveActivities.class, REMOTE_CALL);
  private final BuildActivities builder = Workflow.newActivityStub(BuildActivities.class, BUILD);
  private final KvActivities kv = Workflow.newActivityStub(KvActivities.class, REMOTE_CALL);
  private final GitOpsActivities gitops =
      Workflow.newActivityStub(GitOpsActivities.class, REMOTE_CALL);
  private final DeployActivities targets =
      Workflow.newActivityStub(DeployActivities.class, REMOTE_CALL);
  private final NotifyActivities notifier =
      Workflow.newActivityStub(NotifyActivities.class, NOTIFY);

  private final StepTracker tracker = new StepTracker();
  private DeployRequest request;
  private String workflowId;
  private String outcome = "RUNNING";
  private String digest;
  private String configCommit;
  private String deploymentId;
  private String waitingFor;
  private LaneMembership lane;
  private boolean laneOverlapped;
  private Promise<Void> laneEntry;
  private GateProceed proceedSignal;
  private GateSkip skipSignal;

  // Rollback state: set as the steps complete, read by the rollback path.
  private boolean rollbackEnabled;
  private boolean versionChecked;
  private RollbackRequest rollbackRequest;
  private CancellationScope stepsScope;
  private boolean cancellable;
  private String rollbackDetail;
  private ResolvedDeployment resolvedSoFar;
  private String pinnedSoFar;
  private KvResult recordedSoFar;
  private ConfigCommitResult committedSoFar;
  private TargetRequest targetSoFar;
  private TargetDeployment deploymentSoFar;
  private boolean rolloutFinished;
  private boolean healthPassed;
  private Restorer restorer;

  // Operator control: set by the signal handlers, acted on by the workflow thread at step
  // boundaries (see atBoundary).
  private boolean controlEnabled;
  private OperatorAction pauseAction;
  private OperatorAction abortAction;
  private boolean aborting;
  private boolean pauseExpired;
  private Step abortedBefore;

  @Override
  public DeployResult deploy(DeployRequest request) {
    this.request = request;
    this.workflowId = Workflow.getInfo().getWorkflowId();
    controlEnabled =
        Workflow.getVersion(CONTROL_CHANGE, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.SERVICE.valueSet(request.service()),
        SearchAttributes.ENV.valueSet(request.env()),
        SearchAttributes.COMMIT.valueSet(request.commit()),
        SearchAttributes.STATUS.valueSet("running"));
    int laneVersion = Workflow.getVersion(LANE_CHANGE, Workflow.DEFAULT_VERSION, LANE_OVERLAPPED);
    if (laneVersion == Workflow.DEFAULT_VERSION) {
      return runSteps();
    }
    if (request.gate() != null) {
      Workflow.upsertTypedSearchAttributes(SearchAttributes.STACK.valueSet(request.gate().stack()));
    }
    lane = new LaneMembership(request.env(), request.service(), request.commit());
    if (laneVersion >= LANE_OVERLAPPED) {
      return runStepsWhileEnteringLane();
    }
    waitingFor = "lane " + lane.laneId();
    Workflow.setCurrentDetails("waiting for " + waitingFor);
    lane.enter();
    Optional<Supersession> superseded =
        lane.awaitTurn(() -> skipSignal != null || abortRequested());
    waitingFor = null;
    if (superseded.isPresent()) {
      return endSuperseded(superseded.get());
    }
    if (!lane.granted()) {
      lane.leave();
      if (skipSignal == null) {
        // aborted while waiting for the lane: no step ran
        beginAbort(Step.RESOLVE);
        return rollBack();
      }
      return endSkipped(skipSignal.reason(), null, null, null);
    }
    try {
      return runSteps();
    } finally {
      lane.leave();
    }
  }

  /**
   * Since {@link #LANE_OVERLAPPED}: resolve, build and push run before the lane is this run's (none
   * of them changes an environment; each is idempotent), the lane is entered meanwhile ({@link
   * #enterLaneMeanwhile}) and {@link #awaitLaneTurn} waits for the turn before the first step that
   * changes anything. The lane is left only once the entry has finished, so no ticket is left
   * behind.
   */
  private DeployResult runStepsWhileEnteringLane() {
    laneOverlapped = true;
    try {
      return runSteps();
    } finally {
      if (laneEntry != null) {
        try {
          laneEntry.get();
        } catch (TemporalFailure notEntered) {
          // not entered: leave() below has nothing to do; the failure already ended the steps
        }
        lane.leave();
      }
    }
  }

  /**
   * Since {@link #LANE_OVERLAPPED}: starts entering the lane on a workflow thread of its own, once.
   * Called as the push is scheduled (or, when there is nothing to push, at {@link #awaitLaneTurn}),
   * so the lane's round trips share the push's wait, and a deployment whose resolve or build fails
   * never queues. Entering later than that would put them back on the critical path; entering
   * earlier makes a burst of deployments (a release) slower: their lane traffic then competes with
   * the workflow tasks that start the builds (docs/benchmarks.md).
   */
  private void enterLaneMeanwhile() {
    if (laneOverlapped && laneEntry == null) {
      laneEntry = Async.procedure(lane::enter);
    }
  }

  /**
   * Since {@link #LANE_OVERLAPPED}: after build and push, before the release gate and KV, waits
   * until the lane is this run's. A rollback or an abort meanwhile ends the run with nothing
   * changed; so do a release's skip and a newer commit superseding this one (its image stays
   * built).
   *
   * @return the result when the run ends here, else null (the lane is held)
   */
  private DeployResult awaitLaneTurn(
      ResolvedDeployment resolved, BuildResult built, String pinnedImage) {
    if (!laneOverlapped) {
      return null;
    }
    enterLaneMeanwhile();
    if (!lane.granted()) {
      waitingFor = "lane " + lane.laneId();
      Workflow.setCurrentDetails("image ready; waiting for " + waitingFor);
    }
    cancellable = true;
    laneEntry.get();
    Optional<Supersession> superseded =
        lane.awaitTurn(() -> skipSignal != null || abortRequested() || rollbackRequest != null);
    cancellable = false;
    waitingFor = null;
    if (superseded.isPresent()) {
      return endSuperseded(superseded.get());
    }
    if (!lane.granted()) {
      if (skipSignal != null) {
        return endSkipped(skipSignal.reason(), resolved, built, pinnedImage);
      }
      atBoundary(Step.KV);
    }
    return null;
  }

  private DeployResult runSteps() {
    rollbackEnabled =
        Workflow.getVersion(ROLLBACK_CHANGE, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
    versionChecked = true;
    if (!rollbackEnabled) {
      rollbackRequest = null;
      return runStepsOnce();
    }
    if (rollbackRequest != null) {
      return rollBack();
    }
    DeployResult[] done = new DeployResult[1];
    RuntimeException[] thrown = new RuntimeException[1];
    stepsScope =
        Workflow.newCancellationScope(
            () -> {
              try {
                done[0] = runStepsOnce();
              } catch (RuntimeException e) {
                thrown[0] = e;
              }
            });
    stepsScope.run();
    stepsScope = null;
    cancellable = false;
    if (rollbackRequest != null) {
      return rollBack();
    }
    if (thrown[0] != null) {
      throw thrown[0];
    }
    return bake(done[0]);
  }

  private DeployResult runStepsOnce() {
    ResolvedDeployment resolved = null;
    try {
      resolved =
          step(
              Step.RESOLVE,
              () ->
                  resolver.resolve(
                      new ResolveRequest(
                          request.definitions(),
                          request.env(),
                          request.service(),
                          request.commit())),
              r -> "definitions at " + WorkflowIds.shortCommit(r.configCommit()));
      resolvedSoFar = resolved;
      return deployResolved(resolved);
    } catch (ActivityFailure failure) {
      if (rollbackEnabled && rollbackRequest != null) {
        // The rollback path takes over: it notifies and ends the workflow.
        throw failure;
      }
      Step failedStep = tracker.current();
      String reason = describe(failure);
      outcome = "FAILED";
      log.warn("{} failed at {}: {}", workflowId, failedStep.label(), reason);
      if (resolved != null) {
        notifyAll(resolved, "FAILED", failedStep.label(), reason, null);
      } else {
        tracker.skipped(Step.NOTIFY, "definitions unreadable: notifiers unknown");
      }
      Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("failed"));
      Workflow.setCurrentDetails("failed at " + failedStep.label() + ": " + reason);
      throw ApplicationFailure.newNonRetryableFailure(
          "deployment failed at step " + failedStep.label() + ": " + reason, DEPLOYMENT_FAILED);
    }
  }

  private DeployResult deployResolved(ResolvedDeployment resolved) {
    if (request.pinnedImage() != null) {
      return deployPinned(resolved, request.pinnedImage());
    }
    BuildResult built =
        step(
            Step.BUILD,
            () ->
                builder.build(
                    new BuildRequest(
                        resolved.sourceRepo(),
                        resolved.commit(),
                        resolved.dockerfile(),
                        resolved.context(),
                        resolved.imageTag(),
                        workflowId)),
            b -> b.reused() ? "reused " + b.digest() : "built " + b.imageTag());
    String pinnedImage;
    if (built.reused()) {
      digest = built.digest();
      pinnedImage = resolved.imageRepository() + "@" + digest;
      tracker.skipped(Step.PUSH, "image already in the registry");
    } else {
      PushResult pushed =
          step(
              Step.PUSH,
              () -> {
                enterLaneMeanwhile();
                return builder.push(new PushRequest(resolved.imageTag(), workflowId));
              },
              PushResult::digest);
      digest = pushed.digest();
      pinnedImage = pushed.pinnedImage();
    }
    return deployImage(resolved, built, pinnedImage);
  }

  /**
   * A promotion: the image already exists (live in another environment), so build and push are
   * skipped and no build activity runs. Decided by the input alone, so runs without a pinned image
   * (and histories recorded before the field existed) keep their command sequence.
   */
  private DeployResult deployPinned(ResolvedDeployment resolved, String image) {
    int at = image.indexOf('@');
    if (at < 0) {
      tracker.skipped(Step.BUILD, "promotion image " + image + " is not digest-pinned");
      throw ApplicationFailure.newNonRetryableFailure(
          "deployment failed at step build: promotion image "
              + image
              + " is not pinned to a digest (<repository>@sha256:…)",
          DEPLOYMENT_FAILED);
    }
    digest = image.substring(at + 1);
    tracker.skipped(Step.BUILD, "promoted " + digest + ": not rebuilt");
    tracker.skipped(Step.PUSH, "promoted image already in the registry");
    return deployImage(resolved, new BuildResult(image, true, digest, null), image);
  }

  private DeployResult deployImage(
      ResolvedDeployment resolved, BuildResult built, String pinnedImage) {
    pinnedSoFar = pinnedImage;
    DeployResult endedInLane = awaitLaneTurn(resolved, built, pinnedImage);
    if (endedInLane != null) {
      return endedInLane;
    }
    if (request.gate() != null) {
      cancellable = true;
      String skipped = awaitGate(request.gate(), built, pinnedImage);
      cancellable = false;
      if (skipped != null) {
        return endSkipped(skipped, resolved, built, pinnedImage);
      }
    }

    KvResult recorded =
        step(
            Step.KV,
            () ->
                kv.recordImage(
                    new KvRequest(
                        resolved.consulUrl(),
                        resolved.env(),
                        resolved.service(),
                        pinnedImage,
                        resolved.commit())),
            r -> r.changed() ? r.key() + " set" : r.key() + " already set");
    recordedSoFar = recorded;

    ConfigCommitResult committed =
        step(
            Step.COMMIT,
            () ->
                gitops.commitAppDefinition(
                    new ConfigCommitRequest(
                        resolved.definitions(),
                        resolved.env(),
                        resolved.service(),
                        resolved.appFile(),
                        resolved.appId(),
                        pinnedImage,
                        resolved.commit(),
                        workflowId,
                        request.requestedBy())),
            c ->
                (c.created() ? "committed " : "unchanged at ")
                    + WorkflowIds.shortCommit(c.configCommit()));
    configCommit = committed.configCommit();
    committedSoFar = committed;
    // before the target request exists: an abort or rollback here leaves the target untouched
    atBoundary(Step.DEPLOY);

    TargetRequest target =
        new TargetRequest(
            resolved.target(),
            resolved.env(),
            resolved.service(),
            resolved.appId(),
            resolved.marathonUrl(),
            resolved.definitions(),
            committed.configCommit(),
            committed.path(),
            pinnedImage,
            resolved.commit(),
            resolved.health(),
            workflowId,
            request.force());
    targetSoFar = target;
    TargetDeployment deployment =
        step(
            Step.DEPLOY,
            () -> targets.deploy(target),
            d -> (d.alreadyLive() ? "already live: " : "deployment ") + d.deploymentId());
    deploymentId = deployment.deploymentId();
    deploymentSoFar = deployment;

    HealthReport health;
    try {
      health =
          step(
              Step.HEALTH,
              () -> healthWait(resolved).awaitHealthy(new HealthRequest(target, deployment)),
              HealthReport::summary);
    } catch (ActivityFailure failure) {
      if (rollbackEnabled && isCanceled(failure)) {
        // Stopped for a rollback: this scope is cancelled, so the rollback finishes the rollout.
        throw failure;
      }
      finishQuietly(new FinishRequest(target, deployment, false));
      rolloutFinished = true;
      if (rollbackEnabled
          && rollbackRequest == null
          && resolved.autoRollback()
          && recorded.previous() != null
          && !isCanceled(failure)) {
        rollbackRequest =
            new RollbackRequest("health gate failed: " + describe(failure), AUTOMATIC);
        rollbackDetail = "automatic: " + rollbackRequest.reason();
      }
      throw failure;
    }
    healthPassed = true;
    stopIfRollbackRequested();
    finishQuietly(new FinishRequest(target, deployment, true));
    rolloutFinished = true;

    outcome = "SUCCEEDED";
    notifyAll(resolved, "SUCCEEDED", null, null, pinnedImage);
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("succeeded"));
    Workflow.setCurrentDetails("healthy: " + health.summary());
    return new DeployResult(
        workflowId,
        resolved.env(),
        resolved.service(),
        resolved.commit(),
        pinnedImage,
        digest,
        built.reused(),
        resolved.configCommit(),
        committed.configCommit(),
        deployment.deploymentId(),
        deployment.version(),
        recorded.previous(),
        tracker.snapshot(),
        DeployResult.SUCCEEDED,
        null);
  }

  /**
   * Tells the release the image is ready, then waits for its decision.
   *
   * @return null to go on, or why the deployment ends skipped
   */
  private String awaitGate(ReleaseGate gate, BuildResult built, String pinnedImage) {
    waitingFor = "release gate of " + gate.releaseWorkflowId();
    Workflow.setCurrentDetails("built; waiting for " + waitingFor);
    try {
      Workflow.newExternalWorkflowStub(GateHolder.class, gate.releaseWorkflowId())
          .built(
              new BuiltNotice(request.service(), workflowId, pinnedImage, digest, built.reused()));
    } catch (CanceledFailure canceled) {
      throw canceled;
    } catch (TemporalFailure gone) {
      waitingFor = null;
      return "release " + gate.releaseWorkflowId() + " cannot be reached: " + describe(gone);
    }
    Duration timeout = Duration.ofSeconds(Math.max(1, gate.timeoutSeconds()));
    boolean decided =
        Workflow.await(
            timeout, () -> proceedSignal != null || skipSignal != null || abortRequested());
    waitingFor = null;
    if (skipSignal != null) {
      return skipSignal.reason();
    }
    if (!decided) {
      return "release gate not opened within " + timeout.toMinutes() + "m";
    }
    return null;
  }

  /** Ends without touching the environment: what ran (resolve, build, push) stays as it is. */
  private DeployResult endSkipped(
      String reason, ResolvedDeployment resolved, BuildResult built, String pinnedImage) {
    String detail = "skipped: " + reason;
    for (StepStatus s : tracker.snapshot()) {
      if (s.state() == StepState.PENDING) {
        tracker.skipped(s.step(), detail);
      }
    }
    outcome = DeployResult.SKIPPED;
    log.info("{} {}", workflowId, detail);
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("skipped"));
    Workflow.setCurrentDetails(detail);
    return new DeployResult(
        workflowId,
        request.env(),
        request.service(),
        request.commit(),
        pinnedImage,
        digest,
        built != null && built.reused(),
        resolved == null ? null : resolved.configCommit(),
        null,
        null,
        null,
        null,
        tracker.snapshot(),
        DeployResult.SKIPPED,
        reason);
  }

  /**
   * A newer commit of this service waits in the lane: nothing changed (since {@link
   * #LANE_OVERLAPPED} resolve, build and push may have run; their image stays in the registry).
   */
  private DeployResult endSuperseded(Supersession by) {
    String reason = "superseded by " + WorkflowIds.shortCommit(by.byCommit());
    for (StepStatus s : tracker.snapshot()) {
      if (s.state() == StepState.PENDING || s.state() == StepState.RUNNING) {
        tracker.skipped(s.step(), reason);
      }
    }
    outcome = DeployResult.SUPERSEDED;
    log.info("{} {} ({})", workflowId, reason, by.byWorkflowId());
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("superseded"));
    Workflow.setCurrentDetails(reason + " (" + by.byWorkflowId() + ")");
    return new DeployResult(
        workflowId,
        request.env(),
        request.service(),
        request.commit(),
        null,
        null,
        false,
        null,
        null,
        null,
        null,
        null,
        tracker.snapshot(),
        DeployResult.SUPERSEDED,
        reason);
  }

  @Override
  public DeployStatus status() {
    return new DeployStatus(
        workflowId,
        request == null ? null : request.env(),
        request == null ? null : request.service(),
        request == null ? null : request.commit(),
        outcome,
        digest,
        configCommit,
        deploymentId,
        tracker.snapshot(),
        waitingFor,
        rollbackDetail);
  }

  @Override
  public void rollback(RollbackRequest rollback) {
    String problem = rollbackProblem(rollback);
    if (problem != null) {
      log.warn("{}: rollback signal ignored: {}", workflowId, problem);
      return;
    }
    accept(rollback);
  }

  @Override
  public String requestRollback(RollbackRequest rollback) {
    accept(rollback);
    return rollbackDetail;
  }

  @Override
  public void validateRollback(RollbackRequest rollback) {
    String problem = rollbackProblem(rollback);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** Why a rollback cannot be accepted now, or null when it can. */
  private String rollbackProblem(RollbackRequest rollback) {
    if (rollback == null || rollback.reason() == null || rollback.reason().isBlank()) {
      return "a rollback needs a reason";
    }
    if (rollbackRequest != null) {
      return "a rollback is already under way (" + rollbackDetail + ")";
    }
    if (versionChecked && !rollbackEnabled) {
      return "this deployment started before rollbacks existed: use ./conveyor rollback";
    }
    if (!isOpen()) {
      return "the deployment has ended ("
          + outcome.toLowerCase(java.util.Locale.ROOT)
          + "): start one with ./conveyor rollback --service "
          + request.service()
          + " --env "
          + request.env();
    }
    if (recordedSoFar != null && recordedSoFar.previous() == null) {
      return "nothing to roll back to: this is the first deployment of "
          + request.service()
          + " to "
          + request.env();
    }
    return null;
  }

  private void accept(RollbackRequest rollback) {
    rollbackRequest = rollback;
    rollbackDetail = "requested by " + by(rollback) + ": " + rollback.reason();
    log.info("{}: rollback {}", workflowId, rollbackDetail);
    if (stepsScope != null && cancellable) {
      stepsScope.cancel("rollback requested by " + by(rollback));
    }
  }

  private static String by(RollbackRequest rollback) {
    return rollback.by() == null || rollback.by().isBlank() ? "unknown" : rollback.by();
  }

  /** Outcome while a healthy deployment waits out its bake window. */
  public static final String BAKING = "BAKING";

  /**
   * After success: a deployment on its own stays open for the environment's bake window, outside
   * its lane (the next deployment need not wait), accepting a rollback. In a release there is no
   * bake window: the release counts a child that completed as healthy.
   */
  private DeployResult bake(DeployResult succeeded) {
    ResolvedDeployment resolved = resolvedSoFar;
    if (succeeded == null
        || !DeployResult.SUCCEEDED.equals(succeeded.outcome())
        || request.gate() != null
        || resolved == null
        || resolved.bakeWindowSeconds() <= 0) {
      return succeeded;
    }
    if (lane != null) {
      lane.leave();
    }
    outcome = BAKING;
    Duration window = Duration.ofSeconds(resolved.bakeWindowSeconds());
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("baking"));
    Workflow.setCurrentDetails(
        "healthy; open for a rollback for " + window.toMinutes() + "m (signal rollback)");
    boolean asked = Workflow.await(window, () -> rollbackRequest != null || abortRequested());
    if (rollbackRequest == null && abortRequested()) {
      outcome = DeployResult.SUCCEEDED;
      Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("succeeded"));
      Workflow.setCurrentDetails(
          "healthy; bake window ended by abort (" + abortAction.describe() + ")");
      log.info("{}: bake window ended by abort {}", workflowId, abortAction.describe());
      return succeeded;
    }
    if (!asked) {
      outcome = DeployResult.SUCCEEDED;
      Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("succeeded"));
      Workflow.setCurrentDetails("healthy; bake window over");
      return succeeded;
    }
    if (lane != null) {
      lane = LaneMembership.rejoin(request.env(), request.service(), request.commit());
      waitingFor = "lane " + lane.laneId() + " (for the rollback)";
      lane.enter();
      Optional<Supersession> superseded = lane.awaitTurn(() -> false);
      waitingFor = null;
      if (superseded.isPresent()) {
        rollbackDetail = "not done: " + superseded.get().byWorkflowId() + " replaces it";
        throw ApplicationFailure.newNonRetryableFailure(
            "rollback not done: a newer deployment ("
                + superseded.get().byWorkflowId()
                + ") follows",
            ROLLBACK_FAILED);
      }
    }
    return rollBack();
  }

  /**
   * Makes the previous version live again through the audited path, then ends the workflow with
   * {@link #ROLLED_BACK}. What it undoes depends on how far the steps got: nothing before KV; KV
   * only before the commit; KV and config repo before the deploy; else also the target (a new
   * rollout of the restored definition, superseding a rollout of ours still in progress) with its
   * own health gate.
   */
  private DeployResult rollBack() {
    RollbackRequest why = rollbackRequest;
    String reason = why.reason();
    Step at = healthPassed ? null : tracker.current();
    outcome = "ROLLING_BACK";
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.STATUS.valueSet(aborting ? "aborting" : "rolling back"));
    Workflow.setCurrentDetails((aborting ? "aborting: " : "rolling back: ") + reason);
    for (StepStatus s : tracker.snapshot()) {
      if (s.state() == StepState.PENDING && s.step() != Step.NOTIFY) {
        tracker.skipped(s.step(), aborting ? "not run: aborted" : "not run: rolled back");
      }
    }
    ResolvedDeployment resolved = resolvedSoFar;
    String restoredImage = null;
    try {
      if (recordedSoFar == null) {
        rollbackDetail = "done: stopped before any change (" + reason + ")";
      } else if (recordedSoFar.previous() == null && aborting) {
        rollbackDetail =
            "first deployment: no earlier version to restore; "
                + (targetSoFar == null
                    ? "KV" + (committedSoFar == null ? "" : " and config repo") + " name "
                    : "rollout left running: ")
                + pinnedSoFar;
      } else if (recordedSoFar.previous() == null) {
        throw rollbackFailed(
            "nothing to roll back to: first deployment of "
                + request.service()
                + " to "
                + request.env()
                + "; the deployment stopped after "
                + (at == null ? "start" : at.label()));
      } else if (committedSoFar == null) {
        restoredImage = recordedSoFar.previous();
        restoreKv(resolved, restoredImage, null);
        rollbackDetail = "done: KV back to " + restoredImage;
      } else {
        restoredImage = restoreEverything(resolved, why);
      }
    } catch (ActivityFailure failure) {
      rollbackDetail = "failed: " + describe(failure);
      notifyRollback(resolved, "ROLLBACK_FAILED", at, reason + "; " + rollbackDetail, null);
      throw rollbackFailed(
          (aborting ? "abort failed to restore the old version: " : "rollback failed: ")
              + describe(failure)
              + " (asked: "
              + reason
              + ")");
    }
    if (aborting) {
      throw endAborted(resolved, restoredImage);
    }
    outcome = "ROLLED_BACK";
    notifyRollback(resolved, "ROLLED_BACK", at, reason + " (by " + by(why) + ")", restoredImage);
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("rolled back"));
    Workflow.setCurrentDetails("rolled back: " + reason);
    log.info("{} rolled back: {}", workflowId, reason);
    throw ApplicationFailure.newNonRetryableFailure("rolled back: " + reason, ROLLED_BACK);
  }

  /** Config commit, KV and (when the deploy step ran) the target; returns the restored image. */
  private String restoreEverything(ResolvedDeployment resolved, RollbackRequest why) {
    rollbackDetail = "committing the previous definition";
    Restorer restorer = restorer();
    RollbackCommitResult restored =
        restorer.commit(resolved, committedSoFar.configCommit(), null, by(why), why.reason());
    String image = restored.image();
    restoreKv(resolved, image, restored.commit());
    if (targetSoFar == null) {
      rollbackDetail = "done: config and KV back to " + image;
      return image;
    }
    if (deploymentSoFar != null && !rolloutFinished) {
      finishQuietly(new FinishRequest(targetSoFar, deploymentSoFar, false));
      rolloutFinished = true;
    }
    rollbackDetail =
        "restoring " + image + " from " + WorkflowIds.shortCommit(restored.restoredFrom());
    Workflow.setCurrentDetails("rolling back: " + rollbackDetail);
    // our own rollout may still hold the app: the rollback supersedes it
    TargetRequest back =
        restorer.restoredTarget(resolved, restored, request.force() || !healthPassed);
    if (deploymentSoFar != null && deploymentSoFar.previousVersion() != null) {
      // Marathon: redeploy the app version that ran before ours ({"version": v}) when it can
      back = back.withRestoreVersion(deploymentSoFar.previousVersion());
    }
    HealthReport health = restorer.redeploy(resolved, back).health();
    rollbackDetail = "done: " + image + " live again (" + health.summary() + ")";
    return image;
  }

  private void restoreKv(ResolvedDeployment resolved, String image, String commit) {
    restorer().restoreKv(resolved, pinnedSoFar, image, commit);
  }

  private Restorer restorer() {
    if (restorer == null) {
      restorer = new Restorer(workflowId);
    }
    return restorer;
  }

  private ApplicationFailure rollbackFailed(String message) {
    outcome = "FAILED";
    rollbackDetail = message;
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("failed"));
    Workflow.setCurrentDetails(message);
    return ApplicationFailure.newNonRetryableFailure(message, ROLLBACK_FAILED);
  }

  private void notifyRollback(
      ResolvedDeployment resolved, String result, Step at, String reason, String image) {
    if (resolved == null) {
      tracker.skipped(Step.NOTIFY, "definitions unknown: notifiers unknown");
      return;
    }
    notifyAll(resolved, result, at == null ? null : at.label(), reason, image);
  }

  /**
   * Ends an aborted deployment: the old version is live again (or nothing had changed), and the
   * failure says who aborted, why, before which step and what was undone. A pause that outlived
   * {@link #PAUSE_LIMIT} ends the same way but as a failed deployment.
   */
  private ApplicationFailure endAborted(ResolvedDeployment resolved, String restoredImage) {
    String where =
        abortedBefore != null
            ? "before step " + abortedBefore.label()
            : "during step " + Step.HEALTH.label();
    String undone;
    if (recordedSoFar == null) {
      undone = "nothing had changed";
    } else if (restoredImage == null) {
      undone = rollbackDetail;
    } else {
      undone = "back on " + restoredImage + (deploymentSoFar == null ? "" : " (target redeployed)");
    }
    String message;
    String type;
    String result;
    if (pauseExpired) {
      message =
          "deployment failed: paused "
              + where
              + " for "
              + PAUSE_LIMIT.toHours()
              + "h without a resume or an abort ("
              + pauseAction.describe()
              + "); "
              + undone;
      type = DEPLOYMENT_FAILED;
      result = "FAILED";
    } else {
      message = "aborted " + abortAction.describe() + ", " + where + "; " + undone;
      type = ABORTED;
      result = "ABORTED";
    }
    outcome = result;
    rollbackDetail = "done: " + undone;
    notifyRollback(
        resolved, result, abortedBefore == null ? Step.HEALTH : abortedBefore, message, null);
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.STATUS.valueSet(pauseExpired ? "failed" : "aborted"));
    Workflow.setCurrentDetails(message);
    log.info("{} {}", workflowId, message);
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }

  /** Signal: wait before the next step. Ignored once the health gate passed or after the end. */
  @Override
  public void pause(OperatorAction action) {
    OperatorAction pause = orNobody(action);
    if (!isOpen()
        || healthPassed
        || tracker.current() == Step.HEALTH
        || rollbackRequest != null
        || abortAction != null) {
      log.warn("{}: pause {} ignored: nothing left to pause", workflowId, pause.describe());
      return;
    }
    pauseAction = pause;
    log.info("{}: pause {}", workflowId, pause.describe());
  }

  /** Signal: a paused deployment goes on. */
  @Override
  public void resume(OperatorAction action) {
    OperatorAction resume = orNobody(action);
    if (pauseAction == null) {
      log.warn("{}: resume {} ignored: not paused", workflowId, resume.describe());
      return;
    }
    pauseAction = null;
    log.info("{}: resume {}", workflowId, resume.describe());
  }

  /**
   * Signal: stop at the next step boundary. The health gate is a wait, not a change, so an abort
   * during it stops it at once (like a rollback); every other step finishes first.
   */
  @Override
  public void abort(OperatorAction action) {
    OperatorAction abort = orNobody(action);
    if (!isOpen() || rollbackRequest != null || abortAction != null) {
      log.warn(
          "{}: abort {} ignored: the deployment has ended or is being undone",
          workflowId,
          abort.describe());
      return;
    }
    abortAction = abort;
    log.info("{}: abort {}", workflowId, abort.describe());
    if (controlEnabled
        && !healthPassed
        && tracker.current() == Step.HEALTH
        && stepsScope != null
        && cancellable) {
      beginAbort(null);
      stepsScope.cancel("aborted " + abort.describe());
    }
  }

  /**
   * At a step boundary, before {@code next}: a pause waits here (at most {@link #PAUSE_LIMIT}), an
   * abort turns into the rollback path (which ends the workflow {@link #ABORTED}), a rollback
   * request ends the steps.
   */
  private void atBoundary(Step next) {
    if (controlEnabled && rollbackEnabled && rollbackRequest == null) {
      if (pauseAction != null && abortAction == null) {
        awaitResume(next);
      }
      if (abortAction != null && rollbackRequest == null) {
        beginAbort(next);
      }
    }
    stopIfRollbackRequested();
  }

  private void awaitResume(Step next) {
    String paused = "paused before step " + next.label() + " (" + pauseAction.describe() + ")";
    outcome = PAUSED;
    waitingFor = "resume: " + paused;
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("paused"));
    Workflow.setCurrentDetails(
        paused + "; signal resume or abort within " + PAUSE_LIMIT.toHours() + "h");
    boolean woke =
        Workflow.await(
            PAUSE_LIMIT,
            () -> pauseAction == null || abortAction != null || rollbackRequest != null);
    waitingFor = null;
    outcome = "RUNNING";
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("running"));
    if (!woke) {
      pauseExpired = true;
      abortAction =
          new OperatorAction(
              "paused for " + PAUSE_LIMIT.toHours() + "h without a resume", PAUSE_LIMIT_BY);
    }
  }

  /** Hands an abort to the rollback path, which undoes what changed and ends {@link #ABORTED}. */
  private void beginAbort(Step next) {
    aborting = true;
    abortedBefore = next;
    rollbackRequest =
        new RollbackRequest(
            (pauseExpired ? "pause limit passed: " : "aborted: ")
                + (abortAction.reason() == null || abortAction.reason().isBlank()
                    ? "no reason given"
                    : abortAction.reason()),
            abortAction.by() == null || abortAction.by().isBlank() ? "unknown" : abortAction.by());
    rollbackDetail = "aborting " + abortAction.describe();
  }

  private boolean abortRequested() {
    return controlEnabled && abortAction != null;
  }

  /** Whether the deployment can still take an operator's signal. */
  private boolean isOpen() {
    return "RUNNING".equals(outcome) || BAKING.equals(outcome) || PAUSED.equals(outcome);
  }

  private static OperatorAction orNobody(OperatorAction action) {
    return action == null ? new OperatorAction("", "unknown") : action;
  }

  @Override
  public void laneGranted(LaneGrant grant) {
    if (lane != null) {
      lane.onGranted(grant);
    }
  }

  @Override
  public void superseded(Supersession supersession) {
    if (lane != null) {
      lane.onSuperseded(supersession);
    }
  }

  @Override
  public void proceed(GateProceed proceed) {
    proceedSignal = proceed;
  }

  @Override
  public void skip(GateSkip skip) {
    skipSignal = skip;
  }

  private DeployActivities healthWait(ResolvedDeployment resolved) {
    return Restorer.healthWait(resolved);
  }

  /** Cleanup after the health gate must not turn a healthy deployment into a failed one. */
  private void finishQuietly(FinishRequest finish) {
    restorer().finishQuietly(finish);
  }

  private <T> T step(Step step, Supplier<T> call, Function<T, String> detail) {
    atBoundary(step);
    tracker.start(step);
    cancellable = CANCELLABLE.contains(step);
    try {
      T result = call.get();
      tracker.done(step, detail.apply(result));
      return result;
    } catch (ActivityFailure failure) {
      tracker.failed(
          step,
          isCanceled(failure) && rollbackRequest != null
              ? (aborting ? "stopped by abort" : "stopped for a rollback")
              : describe(failure));
      throw failure;
    } finally {
      cancellable = false;
    }
  }

  /** At a step boundary: a pending rollback request ends the steps here. */
  private void stopIfRollbackRequested() {
    if (rollbackEnabled && rollbackRequest != null) {
      throw new CanceledFailure("rollback requested");
    }
  }

  private static boolean isCanceled(Throwable failure) {
    Throwable cause = failure;
    while (cause != null) {
      if (cause instanceof CanceledFailure) {
        return true;
      }
      cause = cause.getCause();
    }
    return false;
  }

  /** Sends to every notifier at once; a channel that keeps failing is logged, not fatal. */
  private void notifyAll(
      ResolvedDeployment resolved, String result, String failedStep, String reason, String image) {
    tracker.start(Step.NOTIFY);
    List<StepTiming> timings = new ArrayList<>();
    for (StepStatus s : tracker.snapshot()) {
      if (s.step() != Step.NOTIFY) {
        timings.add(new StepTiming(s.step().label(), s.state().name(), s.millis()));
      }
    }
    String detail =
        Notifications.notifyEach(
            notifier,
            resolved.notifiers(),
            new Notifications.Event(
                workflowId,
                resolved.env(),
                resolved.service(),
                resolved.commit(),
                image,
                result,
                failedStep,
                reason,
                request.requestedBy(),
                timings),
            ServiceDeploymentWorkflowImpl::describe);
    tracker.done(Step.NOTIFY, detail);
  }

  /** The innermost useful message of a failure chain: the activity's own words, or the timeout. */
  public static String describe(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof ActivityFailure && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure timeout) {
      return "timed out ("
          + timeout.getTimeoutType().name().toLowerCase(java.util.Locale.ROOT)
          + ")";
    }
    if (cause instanceof TemporalFailure temporal) {
      return temporal.getOriginalMessage();
    }
    return String.valueOf(cause.getMessage());
  }
}
