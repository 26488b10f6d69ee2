package dev.conveyor.workflows.deploy;

import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.HealthSpec;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.ResolveActivities;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory activities for workflow logic tests. They keep state the way the real ones do (KV
 * previous value, one config commit per content, registry contents) and can be told to fail a step
 * transiently N times or permanently, so each workflow path can be driven.
 */
final class FakeSteps
    implements ResolveActivities,
        BuildActivities,
        KvActivities,
        GitOpsActivities,
        DeployActivities,
        NotifyActivities {

  static final String DIGEST = "sha256:" + "ab".repeat(32);

  final Map<Step, AtomicInteger> calls = new EnumMap<>(Step.class);
  final Map<Step, AtomicInteger> transientFailures = new EnumMap<>(Step.class);
  final Map<Step, ApplicationFailure> permanentFailures = new EnumMap<>(Step.class);
  final List<Notification> notifications = Collections.synchronizedList(new ArrayList<>());
  final Map<String, String> kv = new ConcurrentHashMap<>();
  final List<String> configCommits = Collections.synchronizedList(new ArrayList<>());
  final List<Boolean> finishes = Collections.synchronizedList(new ArrayList<>());
  volatile boolean imageInRegistry;
  volatile boolean healthyNever;
  volatile int notifierCount = 1;
  volatile boolean failingNotifier;
  volatile boolean autoRollback;
  volatile long bakeSeconds;

  /** What deploy reports as the app version it replaced (Marathon), or null. */
  volatile String previousVersion;

  final List<RollbackCommitRequest> rollbackCommits =
      Collections.synchronizedList(new ArrayList<>());
  final List<KvRestoreRequest> restores = Collections.synchronizedList(new ArrayList<>());
  final List<TargetRequest> deploys = Collections.synchronizedList(new ArrayList<>());

  /**
   * Health answers in turn (true healthy, false deadline); empty: {@link #healthyNever} decides.
   */
  final java.util.Deque<Boolean> healthAnswers = new java.util.concurrent.ConcurrentLinkedDeque<>();

  /** When set, the health gate blocks (heartbeating) until this latch opens or it is cancelled. */
  volatile java.util.concurrent.CountDownLatch healthHold;

  FakeSteps() {
    for (Step step : Step.values()) {
      calls.put(step, new AtomicInteger());
      transientFailures.put(step, new AtomicInteger());
    }
  }

  FakeSteps failTransiently(Step step, int times) {
    transientFailures.get(step).set(times);
    return this;
  }

  FakeSteps failPermanently(Step step, String message, String type) {
    permanentFailures.put(step, ApplicationFailure.newNonRetryableFailure(message, type));
    return this;
  }

  /** Called as each step's activity starts, before it does anything (e.g. to signal meanwhile). */
  volatile java.util.function.Consumer<Step> onStep;

  private void enter(Step step) {
    calls.get(step).incrementAndGet();
    java.util.function.Consumer<Step> hook = onStep;
    if (hook != null) {
      hook.accept(step);
    }
    if (permanentFailures.containsKey(step)) {
      throw permanentFailures.get(step);
    }
    if (transientFailures.get(step).getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException(step.label() + ": connection refused (simulated)");
    }
  }

  @Override
  public ResolvedDeployment resolve(ResolveRequest request) {
    enter(Step.RESOLVE);
    List<NotifierSpec> notifiers = new ArrayList<>();
    for (int i = 0; i < notifierCount; i++) {
      notifiers.add(new NotifierSpec("webhook", "${env:HOOK_" + i + "}", Map.of()));
    }
    return new ResolvedDeployment(
        request.definitions(),
        "c0ffee" + "0".repeat(34),
        request.env(),
        request.service(),
        request.commit(),
        "marathon",
        "localhost:5000",
        "localhost:5000/" + request.service(),
        "/src/" + request.service() + ".git",
        "Dockerfile",
        ".",
        "marathon/" + request.service() + ".json",
        "/" + request.service(),
        new HealthSpec("/health", 8080, 60),
        "http://marathon:8080",
        null,
        notifiers,
        bakeSeconds,
        autoRollback);
  }

  @Override
  public BuildResult build(BuildRequest request) {
    enter(Step.BUILD);
    if (imageInRegistry) {
      return new BuildResult(request.imageTag(), true, DIGEST, null);
    }
    return new BuildResult(request.imageTag(), false, null, "sha256:image");
  }

  @Override
  public PushResult push(PushRequest request) {
    enter(Step.PUSH);
    imageInRegistry = true;
    String repository = request.imageTag().substring(0, request.imageTag().lastIndexOf(':'));
    return new PushResult(DIGEST, repository + "@" + DIGEST);
  }

  @Override
  public KvResult recordImage(KvRequest request) {
    enter(Step.KV);
    String key = "conveyor/" + request.env() + "/" + request.service() + "/image";
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
  public KvResult restore(KvRestoreRequest request) {
    restores.add(request);
    String key = "conveyor/" + request.env() + "/" + request.service() + "/image";
    String current = kv.get(key);
    if (request.image().equals(current)) {
      return new KvResult(key, kv.get(key + "/previous"), false);
    }
    if (request.expectedImage() != null && !request.expectedImage().equals(current)) {
      throw ApplicationFailure.newNonRetryableFailure(
          key + " holds " + current + ", not " + request.expectedImage(), FailureTypes.CONFLICT);
    }
    if (current != null) {
      kv.put(key + "/previous", current);
    }
    kv.put(key, request.image());
    return new KvResult(key, current, true);
  }

  @Override
  public RollbackCommitResult commitRollback(RollbackCommitRequest request) {
    rollbackCommits.add(request);
    String path = "marathon/" + request.env() + "/" + request.service() + ".json";
    String previous =
        kv.get("conveyor/" + request.env() + "/" + request.service() + "/image/previous");
    if (configCommits.size() < 2 && previous == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "nothing to roll back to", FailureTypes.NOTHING_TO_ROLL_BACK);
    }
    String image =
        previous == null ? "localhost:5000/" + request.service() + "@sha256:old" : previous;
    configCommits.add(request.env() + "/" + request.service() + "=" + image);
    return new RollbackCommitResult(
        "commit-" + configCommits.size(),
        path,
        true,
        "commit-" + (configCommits.size() - 2),
        image,
        "0ld" + "0".repeat(37),
        null);
  }

  @Override
  public ConfigCommitResult commitAppDefinition(ConfigCommitRequest request) {
    enter(Step.COMMIT);
    String content = request.env() + "/" + request.service() + "=" + request.pinnedImage();
    String path = "marathon/" + request.env() + "/" + request.service() + ".json";
    if (!configCommits.isEmpty() && configCommits.get(configCommits.size() - 1).equals(content)) {
      return new ConfigCommitResult("commit-" + configCommits.size(), path, false);
    }
    configCommits.add(content);
    return new ConfigCommitResult("commit-" + configCommits.size(), path, true);
  }

  @Override
  public TargetDeployment deploy(TargetRequest request) {
    enter(Step.DEPLOY);
    deploys.add(request);
    return new TargetDeployment(
        "deployment-1", "2026-11-27T00:00:00.000Z", null, false, previousVersion);
  }

  @Override
  public HealthReport awaitHealthy(HealthRequest request) {
    enter(Step.HEALTH);
    java.util.concurrent.CountDownLatch hold = healthHold;
    if (hold != null) {
      try {
        while (!hold.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          io.temporal.activity.Activity.getExecutionContext().heartbeat("waiting");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    Boolean answer = healthAnswers.poll();
    if (answer != null) {
      if (answer) {
        return new HealthReport(1, 1, "1/1 healthy");
      }
      throw ApplicationFailure.newNonRetryableFailure(
          "not healthy after 60s: 0/1 healthy; task web.1: GET /health -> 503",
          FailureTypes.HEALTH_DEADLINE);
    }
    if (healthyNever) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not healthy after 60s: 0/1 healthy; task web.1: GET /health -> 503",
          FailureTypes.HEALTH_DEADLINE);
    }
    return new HealthReport(1, 1, "1/1 healthy");
  }

  @Override
  public FinishResult finish(FinishRequest request) {
    finishes.add(request.succeeded());
    return new FinishResult(request.succeeded() ? "old version retired" : "new version removed");
  }

  @Override
  public NotifyResult send(Notification notification) {
    calls.get(Step.NOTIFY).incrementAndGet();
    if (failingNotifier) {
      throw new IllegalStateException("webhook answered 500 (simulated)");
    }
    notifications.add(notification);
    return new NotifyResult(notification.notifier().type(), "sent");
  }

  int calls(Step step) {
    return calls.get(step).get();
  }
}
