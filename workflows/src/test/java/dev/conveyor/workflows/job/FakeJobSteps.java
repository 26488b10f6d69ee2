package dev.conveyor.workflows.job;

import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.JobActivities;
import dev.conveyor.workflows.steps.JobResolveActivities;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.ResolvedJob;
import dev.conveyor.workflows.steps.TargetHealthActivities;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory activities for job workflow tests. They keep state the way the real ones do (KV
 * previous value, one config commit per content, registry contents, Chronos's jobs) and can be told
 * to fail a step transiently N times or permanently, so each workflow path can be driven. Every
 * call is appended to {@link #log} as {@code step} or {@code step:detail}, in the order it ran.
 */
final class FakeJobSteps
    implements JobResolveActivities,
        BuildActivities,
        TargetHealthActivities,
        KvActivities,
        GitOpsActivities,
        JobActivities,
        NotifyActivities {

  static final String DIGEST = "sha256:" + "cd".repeat(32);

  final Map<JobStep, AtomicInteger> calls = new EnumMap<>(JobStep.class);
  final Map<JobStep, AtomicInteger> transientFailures = new EnumMap<>(JobStep.class);
  final Map<JobStep, ApplicationFailure> permanentFailures = new EnumMap<>(JobStep.class);
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final List<Notification> notifications = Collections.synchronizedList(new ArrayList<>());
  final List<KvRequest> kvRequests = Collections.synchronizedList(new ArrayList<>());
  final List<ConfigCommitRequest> commitRequests = Collections.synchronizedList(new ArrayList<>());
  final Map<String, String> kv = new ConcurrentHashMap<>();
  final List<String> configCommits = Collections.synchronizedList(new ArrayList<>());
  final List<String> sourceCommits = Collections.synchronizedList(new ArrayList<>());
  final List<KvRestoreRequest> kvRestores = Collections.synchronizedList(new ArrayList<>());
  final List<RollbackCommitRequest> rollbackRequests =
      Collections.synchronizedList(new ArrayList<>());
  final List<RegisterJobRequest> registrations = Collections.synchronizedList(new ArrayList<>());

  /** Per source commit: the digest its image gets (default {@link #DIGEST}). */
  final Map<String, String> digests = new ConcurrentHashMap<>();

  /** When set, the smoke run waits (heartbeating) until it counts down or the run is cancelled. */
  volatile CountDownLatch smokeGate;

  /** Counts down when a smoke run has started. */
  final CountDownLatch smokeStarted = new CountDownLatch(1);

  final Map<String, String> chronosJobs = new ConcurrentHashMap<>();
  final List<SmokeRunRequest> smokeRuns = Collections.synchronizedList(new ArrayList<>());

  /** Per service: how many live checks answer "not healthy" before it is healthy (-1: never). */
  final Map<String, Integer> unhealthyChecks = new ConcurrentHashMap<>();

  volatile List<String> dependsOn = List.of();
  volatile boolean smokeRun;
  volatile boolean imageInRegistry;
  volatile int notifierCount = 1;

  FakeJobSteps() {
    for (JobStep step : JobStep.values()) {
      calls.put(step, new AtomicInteger());
      transientFailures.put(step, new AtomicInteger());
    }
  }

  FakeJobSteps failTransiently(JobStep step, int times) {
    transientFailures.get(step).set(times);
    return this;
  }

  FakeJobSteps failPermanently(JobStep step, String message, String type) {
    permanentFailures.put(step, ApplicationFailure.newNonRetryableFailure(message, type));
    return this;
  }

  private void enter(JobStep step, String detail) {
    calls.get(step).incrementAndGet();
    log.add(detail == null ? step.label() : step.label() + ":" + detail);
    if (permanentFailures.containsKey(step)) {
      throw permanentFailures.get(step);
    }
    if (transientFailures.get(step).getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException(step.label() + ": connection refused (simulated)");
    }
  }

  /** {@link #DIGEST}, or the one {@link #digests} names for the tag's commit. */
  private String digestOf(String imageTag) {
    return digests.getOrDefault(imageTag.substring(imageTag.lastIndexOf(':') + 1), DIGEST);
  }

  int calls(JobStep step) {
    return calls.get(step).get();
  }

  @Override
  public ResolvedJob resolveJob(JobResolveRequest request) {
    enter(JobStep.RESOLVE, null);
    List<NotifierSpec> notifiers = new ArrayList<>();
    for (int i = 0; i < notifierCount; i++) {
      notifiers.add(new NotifierSpec("webhook", "${env:HOOK_" + i + "}", Map.of()));
    }
    return new ResolvedJob(
        request.definitions(),
        "c0ffee" + "0".repeat(34),
        request.env(),
        request.job(),
        request.commit(),
        "localhost:5000",
        "localhost:5000/" + request.job(),
        "/src/" + request.job() + ".git",
        "Dockerfile",
        ".",
        "chronos/" + request.job() + ".json",
        request.job() + "-chronos",
        "http://chronos:4400",
        "/v1/scheduler",
        null,
        dependsOn,
        smokeRun,
        600,
        notifiers);
  }

  @Override
  public BuildResult build(BuildRequest request) {
    enter(JobStep.BUILD, null);
    if (imageInRegistry) {
      return new BuildResult(request.imageTag(), true, digestOf(request.imageTag()), null);
    }
    return new BuildResult(request.imageTag(), false, null, "sha256:image");
  }

  @Override
  public PushResult push(PushRequest request) {
    enter(JobStep.PUSH, null);
    imageInRegistry = true;
    String repository = request.imageTag().substring(0, request.imageTag().lastIndexOf(':'));
    String digest = digestOf(request.imageTag());
    return new PushResult(digest, repository + "@" + digest);
  }

  @Override
  public LiveReport checkLive(LiveCheck check) {
    enter(JobStep.DEPENDENCIES, check.service());
    int left = unhealthyChecks.getOrDefault(check.service(), 0);
    if (left == 0) {
      return new LiveReport(true, 1, 1, "localhost:5000/" + check.service() + "@x", "1/1 healthy");
    }
    if (left > 0) {
      unhealthyChecks.put(check.service(), left - 1);
    }
    return new LiveReport(false, 0, 1, null, "0/1 healthy; task 1: GET /health -> 503");
  }

  @Override
  public KvResult restore(KvRestoreRequest request) {
    log.add("kv-restore:" + request.image());
    kvRestores.add(request);
    String segment =
        request.kind() == WorkloadKind.JOB ? "jobs/" + request.service() : request.service();
    String key = "conveyor/" + request.env() + "/" + segment + "/image";
    String current = kv.get(key);
    if (request.image().equals(current)) {
      return new KvResult(key, kv.get(key + "/previous"), false);
    }
    if (request.expectedImage() != null && !request.expectedImage().equals(current)) {
      throw ApplicationFailure.newNonRetryableFailure(
          key + " holds " + current, FailureTypes.CONFLICT);
    }
    kv.put(key + "/previous", current);
    kv.put(key, request.image());
    return new KvResult(key, current, true);
  }

  /**
   * Restores the newest earlier content of the job's file (or the one at {@code to}, a {@code
   * commit-N} id) as a new config commit; none earlier is {@link
   * FailureTypes#NOTHING_TO_ROLL_BACK}.
   */
  @Override
  public RollbackCommitResult commitRollback(RollbackCommitRequest request) {
    log.add("rollback-commit");
    rollbackRequests.add(request);
    String path = "chronos/" + request.env() + "/" + request.service() + ".json";
    if (configCommits.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "nothing to roll back to: " + path + " does not exist",
          FailureTypes.NOTHING_TO_ROLL_BACK);
    }
    int current = configCommits.size() - 1;
    int restore = -1;
    if (request.to() != null) {
      restore = Integer.parseInt(request.to().substring("commit-".length())) - 1;
    } else {
      for (int i = current - 1; i >= 0; i--) {
        if (!configCommits.get(i).equals(configCommits.get(current))) {
          restore = i;
          break;
        }
      }
    }
    if (restore < 0) {
      throw ApplicationFailure.newNonRetryableFailure(
          "nothing to roll back to: no earlier version of " + path,
          FailureTypes.NOTHING_TO_ROLL_BACK);
    }
    String leaving = configCommits.get(current);
    String content = configCommits.get(restore);
    configCommits.add(content);
    sourceCommits.add(sourceCommits.get(restore));
    return new RollbackCommitResult(
        "commit-" + configCommits.size(),
        path,
        true,
        "commit-" + (restore + 1),
        content.substring(content.indexOf('=') + 1),
        sourceCommits.get(restore),
        leaving.substring(leaving.indexOf('=') + 1));
  }

  @Override
  public KvResult recordImage(KvRequest request) {
    enter(JobStep.KV, null);
    kvRequests.add(request);
    String segment =
        request.kind() == WorkloadKind.JOB ? "jobs/" + request.service() : request.service();
    String key = "conveyor/" + request.env() + "/" + segment + "/image";
    String current = kv.get(key);
    if (request.pinnedImage().equals(current)) {
      return new KvResult(key, kv.get(key + "/previous"), false);
    }
    if (current != null) {
      kv.put(key + "/previous", current);
    }
    kv.put(key, request.pinnedImage());
    return new KvResult(key, current, true);
  }

  @Override
  public ConfigCommitResult commitAppDefinition(ConfigCommitRequest request) {
    enter(JobStep.COMMIT, null);
    commitRequests.add(request);
    String content = request.env() + "/" + request.service() + "=" + request.pinnedImage();
    String path = "chronos/" + request.env() + "/" + request.service() + ".json";
    if (!configCommits.isEmpty() && configCommits.get(configCommits.size() - 1).equals(content)) {
      return new ConfigCommitResult("commit-" + configCommits.size(), path, false);
    }
    configCommits.add(content);
    sourceCommits.add(request.commit());
    return new ConfigCommitResult("commit-" + configCommits.size(), path, true);
  }

  @Override
  public JobRegistration registerJob(RegisterJobRequest request) {
    enter(JobStep.REGISTER, null);
    registrations.add(request);
    boolean already = request.pinnedImage().equals(chronosJobs.get(request.chronosName()));
    chronosJobs.put(request.chronosName(), request.pinnedImage());
    return new JobRegistration(request.chronosName(), "iso8601", already);
  }

  @Override
  public ListedJob verifyJob(VerifyJobRequest request) {
    enter(JobStep.VERIFY, null);
    String image = chronosJobs.get(request.chronosName());
    if (!request.pinnedImage().equals(image)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Chronos lists " + request.chronosName() + " with " + image, FailureTypes.REJECTED);
    }
    return new ListedJob(request.chronosName(), image, "R//P1D", List.of(), false);
  }

  @Override
  public SmokeRunResult smokeRunJob(SmokeRunRequest request) {
    enter(JobStep.SMOKE, null);
    smokeRuns.add(request);
    smokeStarted.countDown();
    CountDownLatch gate = smokeGate;
    while (gate != null) {
      // a cancelled run learns it from its heartbeat
      Activity.getExecutionContext().heartbeat(null);
      try {
        if (gate.await(50, TimeUnit.MILLISECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return new SmokeRunResult(
        request.chronosName(), 1, "2026-11-27T00:00:05.000Z", "run succeeded in 5s");
  }

  @Override
  public NotifyResult send(Notification notification) {
    calls.get(JobStep.NOTIFY).incrementAndGet();
    notifications.add(notification);
    return new NotifyResult(notification.notifier().type(), "sent");
  }
}
