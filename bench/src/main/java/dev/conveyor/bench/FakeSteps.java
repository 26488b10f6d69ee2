package dev.conveyor.bench;

import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.HealthSpec;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlanActivities;
import dev.conveyor.workflows.steps.ResolveActivities;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import dev.conveyor.workflows.steps.TargetHealthActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * In-memory stand-ins for every step: each sleeps its configured duration and answers what the real
 * step would answer on a first deployment. No I/O, so what the benchmarks measure is Conveyor's
 * orchestration (workflow code, Temporal round trips, worker scheduling) around the step times.
 */
final class FakeSteps {
  /** The definitions location every fake deployment names; nothing reads it. */
  static final String DEFINITIONS = "bench://definitions";

  static final String CONFIG_COMMIT = "c0ffee" + "0".repeat(34);

  private volatile StepDurations durations;
  private final Recorder recorder;
  private final Map<String, ReleasePlan> plans = new ConcurrentHashMap<>();
  private volatile String target = "fake";
  private volatile String marathonUrl;
  private volatile long healthTimeoutSeconds = 600;

  FakeSteps(StepDurations durations, Recorder recorder) {
    this.durations = durations;
    this.recorder = recorder;
  }

  /** From now on every step takes these times (e.g. a warm-up at other step times). */
  void durations(StepDurations durations) {
    this.durations = durations;
  }

  /** The plan the fake plan step returns for releases of {@code stack}. */
  void plan(String stack, ReleasePlan plan) {
    plans.put(stack, plan);
  }

  /** Resolve answers this target (e.g. {@code marathon} with the simulator's URL). */
  void target(String target, String marathonUrl, long healthTimeoutSeconds) {
    this.target = target;
    this.marathonUrl = marathonUrl;
    this.healthTimeoutSeconds = healthTimeoutSeconds;
  }

  Recorder recorder() {
    return recorder;
  }

  BuildActivities build() {
    return new Build();
  }

  /**
   * Resolve, KV, GitOps, notify, release plan and live checks (the control queue's quick steps).
   */
  Object control() {
    return new Control();
  }

  DeployActivities deploy() {
    return new Deploy();
  }

  <T> T timed(String step, long millis, Supplier<T> body) {
    String workflowId = Activity.getExecutionContext().getInfo().getWorkflowId();
    long started = System.currentTimeMillis();
    if (millis > 0) {
      try {
        // A long step (over 10 s) heartbeats while it waits, as the real build and health gate
        // do: one longer than its heartbeat timeout (30 s for the health gate) would otherwise
        // time out. The SDK throttles heartbeats to one per 80 % of the timeout. Short steps (the
        // overhead runs) do not heartbeat, so they add no round trips.
        long deadline = started + millis;
        for (long left = millis; left > 0; left = deadline - System.currentTimeMillis()) {
          Thread.sleep(millis > 10_000 ? Math.min(left, 1000) : left);
          if (millis > 10_000) {
            Activity.getExecutionContext().heartbeat(null);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailure("interrupted", "Interrupted");
      }
    }
    T result = body.get();
    recorder.span(workflowId, step, started, System.currentTimeMillis());
    return result;
  }

  static String digestOf(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A 40-hex commit id derived from any text: stable per service and run. */
  static String commitOf(String text) {
    return digestOf(text).substring("sha256:".length(), "sha256:".length() + 40);
  }

  private final class Build implements BuildActivities {
    @Override
    public BuildResult build(BuildRequest request) {
      return timed(
          "build",
          durations.build(),
          () ->
              new BuildResult(
                  request.imageTag(), false, null, digestOf("id:" + request.imageTag())));
    }

    @Override
    public PushResult push(PushRequest request) {
      return timed(
          "push",
          durations.push(),
          () -> {
            String digest = digestOf(request.imageTag());
            String repository =
                request.imageTag().substring(0, request.imageTag().lastIndexOf(':'));
            return new PushResult(digest, repository + "@" + digest);
          });
    }
  }

  private final class Control
      implements ResolveActivities,
          KvActivities,
          GitOpsActivities,
          NotifyActivities,
          ReleasePlanActivities,
          TargetHealthActivities {
    @Override
    public ResolvedDeployment resolve(ResolveRequest request) {
      return timed(
          "resolve",
          durations.resolve(),
          () ->
              new ResolvedDeployment(
                  request.definitions(),
                  CONFIG_COMMIT,
                  request.env(),
                  request.service(),
                  request.commit(),
                  target,
                  "bench.local:5000",
                  "bench.local:5000/" + request.service(),
                  "bench://source/" + request.service(),
                  "Dockerfile",
                  ".",
                  "marathon/" + request.service() + ".json",
                  "/" + request.service(),
                  new HealthSpec("/health", 8080, healthTimeoutSeconds),
                  marathonUrl,
                  null,
                  List.of(new NotifierSpec("webhook", "http://bench.local/hook", Map.of())),
                  0));
    }

    @Override
    public KvResult recordImage(KvRequest request) {
      return timed(
          "kv",
          durations.kv(),
          () ->
              new KvResult(
                  "conveyor/" + request.env() + "/" + request.service() + "/image", null, true));
    }

    @Override
    public KvResult restore(KvRestoreRequest request) {
      throw ApplicationFailure.newNonRetryableFailure("not in the benchmark", "Unsupported");
    }

    @Override
    public ConfigCommitResult commitAppDefinition(ConfigCommitRequest request) {
      return timed(
          "commit",
          durations.commit(),
          () ->
              new ConfigCommitResult(
                  commitOf("config:" + request.workflowId()),
                  "marathon/" + request.env() + "/" + request.service() + ".json",
                  true));
    }

    @Override
    public RollbackCommitResult commitRollback(RollbackCommitRequest request) {
      throw ApplicationFailure.newNonRetryableFailure("not in the benchmark", "Unsupported");
    }

    @Override
    public NotifyResult send(Notification notification) {
      return timed(
          "notify",
          durations.notification(),
          () -> new NotifyResult("webhook", "sent " + notification.outcome()));
    }

    @Override
    public ReleasePlan plan(PlanRequest request) {
      return timed(
          "plan",
          durations.plan(),
          () -> {
            ReleasePlan plan = plans.get(request.stack());
            if (plan == null) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "no stack " + request.stack(), "InvalidDefinitions");
            }
            return plan;
          });
    }

    @Override
    public LiveReport checkLive(LiveCheck check) {
      return timed("checkLive", 0, () -> new LiveReport(true, 1, 1, null, "1/1 healthy (fake)"));
    }
  }

  private final class Deploy implements DeployActivities {
    @Override
    public TargetDeployment deploy(TargetRequest request) {
      return timed(
          "deploy",
          durations.deploy(),
          () -> new TargetDeployment("deployment-" + request.workflowId(), "v1", null, false));
    }

    @Override
    public HealthReport awaitHealthy(HealthRequest request) {
      return timed("health", durations.health(), () -> new HealthReport(1, 1, "1/1 healthy"));
    }

    @Override
    public FinishResult finish(FinishRequest request) {
      return timed("finish", durations.finish(), () -> new FinishResult("retired (fake)"));
    }
  }
}
