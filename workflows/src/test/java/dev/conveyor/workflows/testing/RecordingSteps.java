package dev.conveyor.workflows.testing;

import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.HealthSpec;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedJob;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedService;
import dev.conveyor.workflows.steps.ReleasePlanActivities;
import dev.conveyor.workflows.steps.ResolveActivities;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import dev.conveyor.workflows.steps.TargetHealthActivities;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * In-memory activities for release and lane tests. Every call is recorded as a {@link Span} with
 * sequence numbers taken from one counter at entry and exit, so "B's deploy started after A's
 * health gate passed" is {@code b.startSeq > a.endSeq}, exact whatever the machine's speed. Steps
 * take real time when told to (activities run in real time; the test server's clock does not move
 * meanwhile), can be held on a latch, or fail for one service.
 */
public final class RecordingSteps
    implements ResolveActivities,
        BuildActivities,
        KvActivities,
        GitOpsActivities,
        DeployActivities,
        NotifyActivities,
        ReleasePlanActivities,
        TargetHealthActivities {

  /** One activity execution. {@code endSeq} is {@link Long#MAX_VALUE} while it runs. */
  public record Span(
      String service, String commit, String step, long startSeq, long endSeq, boolean failed) {
    public boolean overlaps(Span other) {
      return startSeq < other.endSeq && other.startSeq < endSeq;
    }
  }

  private final AtomicLong sequence = new AtomicLong();
  private final List<Span> spans = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, List<String>> dependsOn =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, List<String>> stacks = new ConcurrentHashMap<>();
  private final Map<String, Long> millis = new ConcurrentHashMap<>();
  private final Map<String, ApplicationFailure> failures = new ConcurrentHashMap<>();
  private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> maxActive = new ConcurrentHashMap<>();
  private final Set<String> live = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> unhealthyChecksLeft = new ConcurrentHashMap<>();
  private final Map<String, String> previousImages = new ConcurrentHashMap<>();
  private final Map<String, String> rollbackOf = new ConcurrentHashMap<>();
  private final Set<String> conflicts = ConcurrentHashMap.newKeySet();
  private final Map<String, List<String>> jobs = Collections.synchronizedMap(new LinkedHashMap<>());
  private volatile ApplicationFailure planFailure;

  /** Declares a service and its dependencies (every service of the definitions). */
  public RecordingSteps service(String name, String... dependencies) {
    dependsOn.put(name, List.of(dependencies));
    return this;
  }

  /**
   * Declares a job and the services it depends on; plans then list it (at the head of its
   * repository) when one of those services is released.
   */
  public RecordingSteps job(String name, String... dependsOn) {
    jobs.put(name, List.of(dependsOn));
    return this;
  }

  public RecordingSteps stack(String name, String... members) {
    stacks.put(name, List.of(members));
    return this;
  }

  /** Every execution of {@code step} takes this long (real time). */
  public RecordingSteps takes(String step, Duration duration) {
    millis.put(step, duration.toMillis());
    return this;
  }

  /** {@code step} fails permanently for {@code service} with {@code message}. */
  public RecordingSteps failAt(String service, String step, String message) {
    String type = step.equals("health") ? FailureTypes.HEALTH_DEADLINE : FailureTypes.REJECTED;
    failures.put(service + "/" + step, ApplicationFailure.newNonRetryableFailure(message, type));
    return this;
  }

  public RecordingSteps failPlan(String message) {
    planFailure =
        ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
    return this;
  }

  /** {@code step} of {@code commit} blocks until {@link #release} (at most 30 s, then fails). */
  public RecordingSteps hold(String commit, String step) {
    holds.put(commit + "/" + step, new CountDownLatch(1));
    return this;
  }

  public void release(String commit, String step) {
    holds.get(commit + "/" + step).countDown();
  }

  /**
   * KV already holds {@code image} for {@code service}: its deployments report it as the previous
   * image, so they (and releases) can roll back. Without it every deployment is a first one.
   */
  public RecordingSteps previous(String service, String image) {
    previousImages.put(service, image);
    return this;
  }

  /** A rollback commit of {@code service} finds a newer version at the head (a conflict). */
  public RecordingSteps newerAtHead(String service) {
    conflicts.add(service);
    return this;
  }

  /** The {@code rollbackOf} the last rollback commit of {@code service} was asked for. */
  public String rollbackOf(String service) {
    return rollbackOf.get(service);
  }

  /** Records one step of a workflow that only tests run (e.g. a fake job deployment). */
  public <T> T recordStep(String service, String commit, String step, Supplier<T> body) {
    return record(service, commit, step, body::get);
  }

  /** The target reports {@code service} healthy (or not) from now on. */
  public RecordingSteps live(String service, boolean healthy) {
    if (healthy) {
      live.add(service);
    } else {
      live.remove(service);
    }
    return this;
  }

  /**
   * The target reports {@code service} unhealthy for the next {@code checks} checks, then healthy.
   */
  public RecordingSteps healthyAfter(String service, int checks) {
    unhealthyChecksLeft.put(service, new AtomicInteger(checks));
    return this;
  }

  public List<Span> spans() {
    synchronized (spans) {
      return List.copyOf(spans);
    }
  }

  public List<Span> spans(String service) {
    return spans().stream().filter(s -> s.service().equals(service)).toList();
  }

  /** The one finished execution of {@code step} for {@code service}; fails when none or several. */
  public Span span(String service, String step) {
    List<Span> found =
        spans().stream().filter(s -> s.service().equals(service) && s.step().equals(step)).toList();
    if (found.size() != 1) {
      throw new AssertionError(
          "expected one " + step + " of " + service + ", found " + found + " in " + spans());
    }
    return found.get(0);
  }

  public boolean ran(String service, String step) {
    return spans().stream().anyMatch(s -> s.service().equals(service) && s.step().equals(step));
  }

  public boolean finished(String service, String step) {
    return spans().stream()
        .anyMatch(
            s ->
                s.service().equals(service)
                    && s.step().equals(step)
                    && s.endSeq() != Long.MAX_VALUE);
  }

  public int maxConcurrent(String step) {
    return maxActive.getOrDefault(step, new AtomicInteger()).get();
  }

  /** Waits (real time) until {@code condition} holds; fails after 30 s. */
  public static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** A fake 40-hex commit id that names its service, e.g. for default-branch heads. */
  public static String headOf(String service) {
    StringBuilder hex = new StringBuilder();
    for (char c : service.toCharArray()) {
      hex.append(String.format("%02x", (int) c));
    }
    while (hex.length() < 40) {
      hex.append('0');
    }
    return hex.substring(0, 40);
  }

  private interface Body<T> {
    T run();
  }

  private <T> T record(String service, String commit, String step, Body<T> body) {
    long start = sequence.incrementAndGet();
    int now = active.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
    maxActive.computeIfAbsent(step, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    Span running = new Span(service, commit, step, start, Long.MAX_VALUE, false);
    spans.add(running);
    boolean failed = true;
    try {
      CountDownLatch hold = holds.get(commit + "/" + step);
      if (hold != null && !hold.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("held " + step + " of " + commit + " never released");
      }
      long sleep = millis.getOrDefault(step, 0L);
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
      ApplicationFailure failure = failures.get(service + "/" + step);
      if (failure != null) {
        throw failure;
      }
      T result = body.run();
      failed = false;
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      active.get(step).decrementAndGet();
      spans.remove(running);
      spans.add(new Span(service, commit, step, start, sequence.incrementAndGet(), failed));
    }
  }

  private static String serviceOfTag(String imageTag) {
    String repository = imageTag.substring(0, imageTag.lastIndexOf(':'));
    return repository.substring(repository.lastIndexOf('/') + 1);
  }

  private static String commitOfTag(String imageTag) {
    return imageTag.substring(imageTag.lastIndexOf(':') + 1);
  }

  private static String digestOf(String service, String commit) {
    String seed = headOf(service + commit);
    return "sha256:" + (seed + seed).substring(0, 64);
  }

  @Override
  public ReleasePlan plan(PlanRequest request) {
    return record(
        request.stack(),
        "",
        "plan",
        () -> {
          if (planFailure != null) {
            throw planFailure;
          }
          List<String> members = stacks.get(request.stack());
          if (members == null) {
            throw ApplicationFailure.newNonRetryableFailure(
                "unknown stack '" + request.stack() + "'", FailureTypes.INVALID_DEFINITIONS);
          }
          List<String> chosen = request.services().isEmpty() ? members : request.services();
          List<PlannedService> planned = new ArrayList<>();
          for (String service : chosen) {
            planned.add(
                new PlannedService(
                    service, request.commits().getOrDefault(service, headOf(service))));
          }
          List<PlannedJob> plannedJobs = new ArrayList<>();
          synchronized (jobs) {
            jobs.forEach(
                (job, needs) -> {
                  if (needs.stream().anyMatch(chosen::contains)) {
                    plannedJobs.add(new PlannedJob(job, headOf(job), needs));
                  }
                });
          }
          synchronized (dependsOn) {
            return new ReleasePlan(
                "defs" + "0".repeat(36),
                request.env(),
                request.stack(),
                planned,
                new LinkedHashMap<>(dependsOn),
                jobs.isEmpty() ? null : plannedJobs);
          }
        });
  }

  @Override
  public LiveReport checkLive(LiveCheck check) {
    return record(
        check.service(),
        "",
        "live",
        () -> {
          AtomicInteger left = unhealthyChecksLeft.get(check.service());
          boolean healthy =
              left != null ? left.getAndDecrement() <= 0 : live.contains(check.service());
          return healthy
              ? new LiveReport(true, 1, 1, null, "1/1 healthy")
              : new LiveReport(
                  false,
                  0,
                  1,
                  null,
                  "0/1 healthy; task " + check.service() + ".1: GET /health -> 503");
        });
  }

  @Override
  public ResolvedDeployment resolve(ResolveRequest request) {
    return record(
        request.service(),
        request.commit(),
        "resolve",
        () ->
            new ResolvedDeployment(
                request.definitions(),
                "defs" + "0".repeat(36),
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
                List.of(new NotifierSpec("webhook", "${env:HOOK}", Map.of())),
                0));
  }

  @Override
  public BuildResult build(BuildRequest request) {
    return record(
        serviceOfTag(request.imageTag()),
        request.commit(),
        "build",
        () -> new BuildResult(request.imageTag(), false, null, "sha256:image"));
  }

  @Override
  public PushResult push(PushRequest request) {
    String service = serviceOfTag(request.imageTag());
    String commit = commitOfTag(request.imageTag());
    return record(
        service,
        commit,
        "push",
        () -> {
          String digest = digestOf(service, commit);
          String repository = request.imageTag().substring(0, request.imageTag().lastIndexOf(':'));
          return new PushResult(digest, repository + "@" + digest);
        });
  }

  @Override
  public KvResult recordImage(KvRequest request) {
    return record(
        request.service(),
        request.commit(),
        "kv",
        () ->
            new KvResult(
                "conveyor/" + request.env() + "/" + request.service() + "/image",
                previousImages.get(request.service()),
                true));
  }

  /** Step {@code kv-restore}: KV back to the restored image. */
  @Override
  public KvResult restore(KvRestoreRequest request) {
    return record(
        request.service(),
        "",
        "kv-restore",
        () ->
            new KvResult(
                "conveyor/" + request.env() + "/" + request.service() + "/image",
                request.expectedImage(),
                true));
  }

  /**
   * Step {@code rollback-commit}: restores the image given with {@link #previous}; fails as the
   * real one does when there is none.
   */
  @Override
  public RollbackCommitResult commitRollback(RollbackCommitRequest request) {
    return record(
        request.service(),
        "",
        "rollback-commit",
        () -> {
          if (request.rollbackOf() != null) {
            rollbackOf.put(request.service(), request.rollbackOf());
          }
          if (conflicts.contains(request.service())) {
            throw ApplicationFailure.newNonRetryableFailure(
                "marathon/"
                    + request.env()
                    + "/"
                    + request.service()
                    + ".json changed since "
                    + request.rollbackOf().substring(0, 12)
                    + ": a newer deployment replaced the version to roll back; nothing committed",
                FailureTypes.CONFLICT);
          }
          String image = previousImages.get(request.service());
          if (image == null) {
            throw ApplicationFailure.newNonRetryableFailure(
                "nothing to roll back to: marathon/"
                    + request.env()
                    + "/"
                    + request.service()
                    + ".json has no earlier version",
                FailureTypes.NOTHING_TO_ROLL_BACK);
          }
          return new RollbackCommitResult(
              headOf("rb-" + request.service() + "-" + request.workflowId()),
              "marathon/" + request.env() + "/" + request.service() + ".json",
              true,
              headOf("old-" + request.service()),
              image,
              headOf("src-old-" + request.service()),
              "localhost:5000/" + request.service() + "@new");
        });
  }

  @Override
  public ConfigCommitResult commitAppDefinition(ConfigCommitRequest request) {
    return record(
        request.service(),
        request.commit(),
        "commit",
        () ->
            new ConfigCommitResult(
                headOf("cfg-" + request.service() + "-" + request.commit()),
                "marathon/" + request.env() + "/" + request.service() + ".json",
                true));
  }

  @Override
  public TargetDeployment deploy(TargetRequest request) {
    return record(
        request.service(),
        request.commit(),
        "deploy",
        () -> new TargetDeployment("deployment-" + request.service(), "v1", null, false));
  }

  @Override
  public HealthReport awaitHealthy(HealthRequest request) {
    TargetRequest target = request.target();
    return record(
        target.service(),
        target.commit(),
        "health",
        () -> {
          live.add(target.service());
          return new HealthReport(1, 1, "1/1 healthy");
        });
  }

  @Override
  public FinishResult finish(FinishRequest request) {
    TargetRequest target = request.target();
    return record(
        target.service(),
        target.commit(),
        "finish",
        () -> new FinishResult(request.succeeded() ? "old version retired" : "new one removed"));
  }

  @Override
  public NotifyResult send(Notification notification) {
    return record(
        notification.service(),
        notification.commit(),
        "notify",
        () -> new NotifyResult("webhook", "sent"));
  }
}
