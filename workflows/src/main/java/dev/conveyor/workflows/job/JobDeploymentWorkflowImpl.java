package dev.conveyor.workflows.job;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.BuildActivities.BuildRequest;
import dev.conveyor.workflows.steps.BuildActivities.BuildResult;
import dev.conveyor.workflows.steps.BuildActivities.PushRequest;
import dev.conveyor.workflows.steps.BuildActivities.PushResult;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitResult;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
import dev.conveyor.workflows.steps.JobActivities;
import dev.conveyor.workflows.steps.JobActivities.JobRegistration;
import dev.conveyor.workflows.steps.JobActivities.ListedJob;
import dev.conveyor.workflows.steps.JobActivities.RegisterJobRequest;
import dev.conveyor.workflows.steps.JobActivities.Scheduler;
import dev.conveyor.workflows.steps.JobActivities.SmokeRunRequest;
import dev.conveyor.workflows.steps.JobActivities.SmokeRunResult;
import dev.conveyor.workflows.steps.JobActivities.VerifyJobRequest;
import dev.conveyor.workflows.steps.JobResolveActivities;
import dev.conveyor.workflows.steps.JobResolveActivities.JobResolveRequest;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import dev.conveyor.workflows.steps.Notifications;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.NotifyActivities.StepTiming;
import dev.conveyor.workflows.steps.ResolvedJob;
import dev.conveyor.workflows.steps.StepOptions;
import dev.conveyor.workflows.steps.TargetHealthActivities;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveCheck;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveReport;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * A job deployment: resolve, build, push, the service dependencies gate, KV, commit, register with
 * Chronos, verify the listing, an optional smoke run, notify. The steps it shares with a service
 * deployment run the same activities under the same options; see docs/jobs.md.
 *
 * <p>While it runs it accepts a rollback (signal {@code rollback}, update {@code requestRollback}).
 * The steps run in a cancellation scope: a request cancels a long step (build, the dependencies
 * gate, the smoke run) at once and stops the others at the next step boundary; then what was
 * changed is undone through {@link JobRestorer}, the path {@code ./conveyor rollback --job} takes
 * too: nothing before KV, KV only before the commit, else a rollback commit, KV and a new
 * registration of the restored definition with Chronos. It has no bake window. Deployments recorded
 * before rollbacks (no {@value #ROLLBACK_CHANGE} marker) run as they did.
 */
public final class JobDeploymentWorkflowImpl implements JobDeploymentWorkflow {
  private static final Logger log = Workflow.getLogger(JobDeploymentWorkflowImpl.class);

  /** Failure type of the workflow itself when a step fails: the message names step and reason. */
  public static final String JOB_DEPLOYMENT_FAILED = "JobDeploymentFailed";

  /**
   * Version marker of rollbacks (signal, update): deployments recorded before it run their steps
   * outside a cancellation scope and never roll back.
   */
  static final String ROLLBACK_CHANGE = "job-rollback";

  /**
   * Failure type of a job deployment that was rolled back: the previous definition is current
   * again; the message is {@code rolled back: <reason>}. The same as a service deployment's.
   */
  public static final String ROLLED_BACK = "RolledBack";

  /** Failure type when a rollback itself failed: the message says at which point and why. */
  public static final String ROLLBACK_FAILED = "RollbackFailed";

  /** Steps stopped at once by a rollback request; the others (quick writes) finish first. */
  private static final Set<JobStep> CANCELLABLE =
      EnumSet.of(JobStep.RESOLVE, JobStep.BUILD, JobStep.PUSH, JobStep.DEPENDENCIES, JobStep.SMOKE);

  /** Reads and small writes against Git, KV and Chronos: quick, retried with backoff. */
  static final ActivityOptions REMOTE_CALL = StepOptions.REMOTE_CALL;

  /** docker build and push: long, heartbeating, on hosts with a Docker engine. */
  static final ActivityOptions BUILD = StepOptions.BUILD;

  /**
   * One question to the target about a service the job depends on; a failed try counts as "not
   * healthy yet" for the gate's poll (the same options a release uses for the same question).
   */
  static final ActivityOptions LIVE_CHECK = StepOptions.LIVE_CHECK;

  /** How long the service dependencies may take to be healthy, together. */
  static final Duration DEPENDENCY_TIMEOUT = Duration.ofMinutes(10);

  /** How often a dependency that is not healthy yet is asked again. */
  static final Duration DEPENDENCY_POLL = Duration.ofSeconds(15);

  /**
   * The smoke run: heartbeats while it waits; the deadline itself comes from the job's {@code
   * smokeTimeout} (see {@link #smokeWait}). A retry after a worker crash resumes the same deadline
   * from the heartbeat details and does not trigger a second run.
   */
  static final ActivityOptions SMOKE_WAIT = StepOptions.HEARTBEAT_WAIT;

  /** Margin on top of the smoke timeout for the activity's hard limits. */
  static final Duration SMOKE_MARGIN = Duration.ofMinutes(2);

  /** Notifications: a few quick tries, then give up; never blocks or fails the deployment. */
  static final ActivityOptions NOTIFY = StepOptions.NOTIFY;

  private final JobResolveActivities resolver =
      Workflow.newActivityStub(JobResolveActivities.class, REMOTE_CALL);
  private final BuildActivities builder = Workflow.newActivityStub(BuildActivities.class, BUILD);
  private final TargetHealthActivities targets =
      Workflow.newActivityStub(TargetHealthActivities.class, LIVE_CHECK);
  private final KvActivities kv = Workflow.newActivityStub(KvActivities.class, REMOTE_CALL);
  private final GitOpsActivities gitops =
      Workflow.newActivityStub(GitOpsActivities.class, REMOTE_CALL);
  private final JobActivities chronos = Workflow.newActivityStub(JobActivities.class, REMOTE_CALL);
  private final NotifyActivities notifier =
      Workflow.newActivityStub(NotifyActivities.class, NOTIFY);

  private final JobStepTracker tracker = new JobStepTracker();
  private JobDeployRequest request;
  private String workflowId;
  private String outcome = "RUNNING";
  private String digest;
  private String configCommit;

  // Rollback state: set as the steps complete, read by the rollback path.
  private boolean rollbackEnabled;
  private boolean versionChecked;
  private RollbackRequest rollbackRequest;
  private String rollbackDetail;
  private CancellationScope stepsScope;
  private boolean cancellable;
  private ResolvedJob resolvedSoFar;
  private String pinnedSoFar;
  private KvResult recordedSoFar;
  private ConfigCommitResult committedSoFar;

  @Override
  public JobDeployResult deploy(JobDeployRequest request) {
    this.request = request;
    this.workflowId = Workflow.getInfo().getWorkflowId();
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.JOB.valueSet(request.job()),
        SearchAttributes.ENV.valueSet(request.env()),
        SearchAttributes.COMMIT.valueSet(request.commit()),
        SearchAttributes.STATUS.valueSet("running"));
    rollbackEnabled =
        Workflow.getVersion(ROLLBACK_CHANGE, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
    versionChecked = true;
    if (!rollbackEnabled) {
      rollbackRequest = null;
      return runSteps();
    }
    if (rollbackRequest != null) {
      return rollBack();
    }
    JobDeployResult[] done = new JobDeployResult[1];
    RuntimeException[] thrown = new RuntimeException[1];
    stepsScope =
        Workflow.newCancellationScope(
            () -> {
              try {
                done[0] = runSteps();
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
    return done[0];
  }

  private JobDeployResult runSteps() {
    ResolvedJob resolved = null;
    try {
      resolved =
          step(
              JobStep.RESOLVE,
              () ->
                  resolver.resolveJob(
                      new JobResolveRequest(
                          request.definitions(), request.env(), request.job(), request.commit())),
              r -> "definitions at " + WorkflowIds.shortCommit(r.configCommit()));
      resolvedSoFar = resolved;
      return deployResolved(resolved);
    } catch (ActivityFailure failure) {
      if (rollbackRequested()) {
        // The rollback path takes over: it notifies and ends the workflow.
        throw failure;
      }
      throw failed(resolved, describe(failure));
    } catch (GateClosed closed) {
      if (rollbackRequested()) {
        throw new CanceledFailure("rollback requested");
      }
      throw failed(resolved, closed.getMessage());
    }
  }

  private JobDeployResult deployResolved(ResolvedJob resolved) {
    BuildResult built =
        step(
            JobStep.BUILD,
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
      tracker.skipped(JobStep.PUSH, "image already in the registry");
    } else {
      PushResult pushed =
          step(
              JobStep.PUSH,
              () -> builder.push(new PushRequest(resolved.imageTag(), workflowId)),
              PushResult::digest);
      digest = pushed.digest();
      pinnedImage = pushed.pinnedImage();
    }

    pinnedSoFar = pinnedImage;
    awaitDependencies(resolved);

    KvResult recorded =
        step(
            JobStep.KV,
            () ->
                kv.recordImage(
                    new KvRequest(
                        resolved.consulUrl(),
                        resolved.env(),
                        resolved.job(),
                        pinnedImage,
                        resolved.commit(),
                        WorkloadKind.JOB)),
            r -> r.changed() ? r.key() + " set" : r.key() + " already set");
    recordedSoFar = recorded;

    ConfigCommitResult committed =
        step(
            JobStep.COMMIT,
            () ->
                gitops.commitAppDefinition(
                    new ConfigCommitRequest(
                        resolved.definitions(),
                        resolved.env(),
                        resolved.job(),
                        resolved.jobFile(),
                        resolved.chronosName(),
                        pinnedImage,
                        resolved.commit(),
                        workflowId,
                        request.requestedBy(),
                        WorkloadKind.JOB)),
            c ->
                (c.created() ? "committed " : "unchanged at ")
                    + WorkflowIds.shortCommit(c.configCommit()));
    configCommit = committed.configCommit();
    committedSoFar = committed;

    Scheduler scheduler =
        new Scheduler(resolved.env(), resolved.chronosUrl(), resolved.chronosApiPrefix());
    JobRegistration registration =
        step(
            JobStep.REGISTER,
            () ->
                chronos.registerJob(
                    new RegisterJobRequest(
                        scheduler,
                        resolved.definitions(),
                        committed.configCommit(),
                        committed.path(),
                        resolved.chronosName(),
                        pinnedImage,
                        workflowId)),
            r ->
                (r.alreadyRegistered() ? "already registered: " : "registered via ")
                    + r.endpoint());

    step(
        JobStep.VERIFY,
        () ->
            chronos.verifyJob(new VerifyJobRequest(scheduler, resolved.chronosName(), pinnedImage)),
        JobDeploymentWorkflowImpl::listing);

    String smoke = null;
    if (resolved.smokeRun()) {
      SmokeRunResult run =
          step(
              JobStep.SMOKE,
              () ->
                  smokeWait(resolved)
                      .smokeRunJob(
                          new SmokeRunRequest(
                              scheduler,
                              resolved.chronosName(),
                              pinnedImage,
                              resolved.smokeTimeoutSeconds(),
                              workflowId)),
              SmokeRunResult::summary);
      smoke = run.summary();
    } else {
      tracker.skipped(JobStep.SMOKE, "no smokeRun in conveyor.yaml");
    }

    stopIfRollbackRequested();
    outcome = "SUCCEEDED";
    notifyAll(resolved, "SUCCEEDED", null, null, pinnedImage);
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("succeeded"));
    Workflow.setCurrentDetails(
        "registered " + resolved.chronosName() + (smoke == null ? "" : "; " + smoke));
    return new JobDeployResult(
        workflowId,
        resolved.env(),
        resolved.job(),
        resolved.commit(),
        pinnedImage,
        digest,
        built.reused(),
        resolved.configCommit(),
        committed.configCommit(),
        resolved.chronosName(),
        registration.endpoint(),
        smoke,
        recorded.previous(),
        tracker.snapshot());
  }

  @Override
  public JobDeployStatus status() {
    return new JobDeployStatus(
        workflowId,
        request == null ? null : request.env(),
        request == null ? null : request.job(),
        request == null ? null : request.commit(),
        outcome,
        digest,
        configCommit,
        tracker.snapshot(),
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
    String byCommand =
        request == null
            ? "./conveyor rollback --job"
            : "./conveyor rollback --job " + request.job() + " --env " + request.env();
    if (versionChecked && !rollbackEnabled) {
      return "this job deployment started before rollbacks existed: use " + byCommand;
    }
    if (!"RUNNING".equals(outcome)) {
      return "the job deployment has ended ("
          + outcome.toLowerCase(Locale.ROOT)
          + "; job deployments have no bake window): use "
          + byCommand;
    }
    if (recordedSoFar != null && recordedSoFar.previous() == null) {
      return "nothing to roll back to: this is the first deployment of job "
          + request.job()
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

  private boolean rollbackRequested() {
    return rollbackEnabled && rollbackRequest != null;
  }

  /** At a step boundary: a pending rollback request ends the steps here. */
  private void stopIfRollbackRequested() {
    if (rollbackRequested()) {
      throw new CanceledFailure("rollback requested");
    }
  }

  /**
   * Makes the previous job definition current again through the audited path, then ends the
   * workflow with {@link #ROLLED_BACK}. What it undoes depends on how far the steps got: nothing
   * before KV; KV only before the commit; else the config repo, KV and Chronos (the restored
   * definition registered again, whether or not the register step had run: Chronos upserts).
   */
  private JobDeployResult rollBack() {
    RollbackRequest why = rollbackRequest;
    String reason = why.reason();
    JobStep at = tracker.current();
    outcome = "ROLLING_BACK";
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("rolling back"));
    Workflow.setCurrentDetails("rolling back: " + reason);
    for (JobStepStatus s : tracker.snapshot()) {
      if (s.state() == StepState.RUNNING) {
        tracker.failed(s.step(), "stopped for a rollback");
      } else if (s.state() == StepState.PENDING && s.step() != JobStep.NOTIFY) {
        tracker.skipped(s.step(), "not run: rolled back");
      }
    }
    ResolvedJob resolved = resolvedSoFar;
    JobRestorer restorer = new JobRestorer(workflowId);
    String restoredImage = null;
    try {
      if (recordedSoFar == null) {
        rollbackDetail = "done: stopped before any change (" + reason + ")";
      } else if (recordedSoFar.previous() == null) {
        throw rollbackFailed(
            "nothing to roll back to: first deployment of job "
                + request.job()
                + " to "
                + request.env()
                + "; the deployment stopped after "
                + at.label());
      } else if (committedSoFar == null) {
        restoredImage = recordedSoFar.previous();
        restorer.restoreKv(resolved, pinnedSoFar, restoredImage, null);
        rollbackDetail = "done: KV back to " + restoredImage;
      } else {
        rollbackDetail = "committing the previous definition";
        RollbackCommitResult restored =
            restorer.commit(resolved, committedSoFar.configCommit(), null, by(why), reason);
        restoredImage = restored.image();
        restorer.restoreKv(resolved, pinnedSoFar, restoredImage, restored.commit());
        rollbackDetail = "registering " + restoredImage + " with Chronos again";
        Workflow.setCurrentDetails("rolling back: " + rollbackDetail);
        JobRestorer.Reregistered back = restorer.reregister(resolved, restored);
        rollbackDetail =
            "done: "
                + restoredImage
                + " current again from "
                + WorkflowIds.shortCommit(restored.restoredFrom())
                + " ("
                + back.summary()
                + ")";
      }
    } catch (ActivityFailure failure) {
      rollbackDetail = "failed: " + describe(failure);
      if (resolved != null) {
        notifyAll(resolved, "ROLLBACK_FAILED", at.label(), reason + "; " + rollbackDetail, null);
      }
      throw rollbackFailed("rollback failed: " + describe(failure) + " (asked: " + reason + ")");
    }
    outcome = "ROLLED_BACK";
    if (resolved != null) {
      notifyAll(
          resolved, "ROLLED_BACK", at.label(), reason + " (by " + by(why) + ")", restoredImage);
    } else {
      tracker.skipped(JobStep.NOTIFY, "definitions unknown: notifiers unknown");
    }
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("rolled back"));
    Workflow.setCurrentDetails("rolled back: " + reason);
    log.info("{} rolled back: {}", workflowId, reason);
    throw ApplicationFailure.newNonRetryableFailure("rolled back: " + reason, ROLLED_BACK);
  }

  private ApplicationFailure rollbackFailed(String message) {
    outcome = "FAILED";
    rollbackDetail = message;
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("failed"));
    Workflow.setCurrentDetails(message);
    return ApplicationFailure.newNonRetryableFailure(message, ROLLBACK_FAILED);
  }

  /**
   * The gate: every service in {@code dependsOn} must be healthy on the environment's target before
   * anything visible changes (KV, config repo, Chronos). Polls each in turn with one shared
   * deadline, as a release does for dependencies outside it.
   */
  private void awaitDependencies(ResolvedJob resolved) {
    if (resolved.dependsOn().isEmpty()) {
      tracker.skipped(JobStep.DEPENDENCIES, "no dependsOn");
      return;
    }
    stopIfRollbackRequested();
    tracker.start(JobStep.DEPENDENCIES);
    cancellable = rollbackEnabled;
    long deadline = Workflow.currentTimeMillis() + DEPENDENCY_TIMEOUT.toMillis();
    for (String service : resolved.dependsOn()) {
      String problem = awaitLive(resolved, service, deadline);
      if (problem != null) {
        tracker.failed(JobStep.DEPENDENCIES, problem);
        cancellable = false;
        throw new GateClosed(problem);
      }
    }
    cancellable = false;
    tracker.done(JobStep.DEPENDENCIES, String.join(", ", resolved.dependsOn()) + " healthy");
  }

  /** Null once {@code service} is healthy; what is wrong when the deadline passes first. */
  private String awaitLive(ResolvedJob resolved, String service, long deadline) {
    String last;
    while (true) {
      try {
        LiveReport report =
            targets.checkLive(
                new LiveCheck(
                    resolved.definitions(), resolved.configCommit(), resolved.env(), service));
        if (report.healthy()) {
          return null;
        }
        last = report.summary();
      } catch (ActivityFailure failure) {
        if (rollbackRequested()) {
          throw failure;
        }
        if (isPermanent(failure)) {
          return "cannot check service "
              + service
              + " on "
              + resolved.env()
              + ": "
              + describe(failure);
        }
        last = "the target did not answer: " + describe(failure);
      }
      long left = deadline - Workflow.currentTimeMillis();
      if (left <= 0) {
        return "service "
            + service
            + " (dependsOn) is not healthy on "
            + resolved.env()
            + " after "
            + DEPENDENCY_TIMEOUT.toMinutes()
            + "m: "
            + last;
      }
      tracker.progress(JobStep.DEPENDENCIES, "waiting for " + service + ": " + last);
      Workflow.sleep(Duration.ofMillis(Math.min(left, DEPENDENCY_POLL.toMillis())));
    }
  }

  private JobActivities smokeWait(ResolvedJob resolved) {
    Duration timeout = Duration.ofSeconds(Math.max(1, resolved.smokeTimeoutSeconds()));
    return Workflow.newActivityStub(
        JobActivities.class,
        ActivityOptions.newBuilder(SMOKE_WAIT)
            .setStartToCloseTimeout(timeout.plus(SMOKE_MARGIN))
            .setScheduleToCloseTimeout(timeout.plus(SMOKE_MARGIN).multipliedBy(2))
            .build());
  }

  /** Ends the workflow failed: notify (when the notifiers are known), then the one failure. */
  private ApplicationFailure failed(ResolvedJob resolved, String reason) {
    JobStep failedStep = tracker.current();
    outcome = "FAILED";
    log.warn("{} failed at {}: {}", workflowId, failedStep.label(), reason);
    if (resolved != null) {
      notifyAll(resolved, "FAILED", failedStep.label(), reason, null);
    } else {
      tracker.skipped(JobStep.NOTIFY, "definitions unreadable: notifiers unknown");
    }
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("failed"));
    Workflow.setCurrentDetails("failed at " + failedStep.label() + ": " + reason);
    return ApplicationFailure.newNonRetryableFailure(
        "job deployment failed at step " + failedStep.label() + ": " + reason,
        JOB_DEPLOYMENT_FAILED);
  }

  private <T> T step(JobStep step, Supplier<T> call, Function<T, String> detail) {
    stopIfRollbackRequested();
    tracker.start(step);
    cancellable = rollbackEnabled && CANCELLABLE.contains(step);
    try {
      T result = call.get();
      tracker.done(step, detail.apply(result));
      return result;
    } catch (ActivityFailure failure) {
      tracker.failed(step, rollbackRequested() ? "stopped for a rollback" : describe(failure));
      throw failure;
    } finally {
      cancellable = false;
    }
  }

  /** Sends to every notifier at once; a channel that keeps failing is logged, not fatal. */
  private void notifyAll(
      ResolvedJob resolved, String result, String failedStep, String reason, String image) {
    tracker.start(JobStep.NOTIFY);
    List<StepTiming> timings = new ArrayList<>();
    for (JobStepStatus s : tracker.snapshot()) {
      if (s.step() != JobStep.NOTIFY) {
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
                resolved.job(),
                resolved.commit(),
                image,
                result,
                failedStep,
                reason,
                request.requestedBy(),
                timings),
            JobDeploymentWorkflowImpl::describe);
    tracker.done(JobStep.NOTIFY, detail);
  }

  private static String listing(ListedJob job) {
    String when =
        job.schedule() != null
            ? "schedule " + job.schedule()
            : "after " + String.join(", ", job.parents());
    return "listed with " + job.image() + ", " + when + (job.disabled() ? " (disabled)" : "");
  }

  private static boolean isPermanent(ActivityFailure failure) {
    return failure.getCause() instanceof ApplicationFailure app && app.isNonRetryable();
  }

  /** The innermost useful message of a failure chain: the activity's own words, or the timeout. */
  static String describe(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof ActivityFailure && cause.getCause() != null) {
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

  /** The dependencies gate did not open; the message says which service and why. */
  private static final class GateClosed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GateClosed(String message) {
      super(message);
    }
  }
}
