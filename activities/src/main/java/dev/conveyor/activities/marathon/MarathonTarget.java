package dev.conveyor.activities.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.marathon.MarathonClient.AppStatus;
import dev.conveyor.activities.marathon.MarathonClient.DeploymentRef;
import dev.conveyor.activities.marathon.MarathonClient.HealthResult;
import dev.conveyor.activities.marathon.MarathonClient.TaskStatus;
import dev.conveyor.activities.registry.ImageRef;
import dev.conveyor.activities.target.DeployTarget;
import dev.conveyor.activities.target.HealthWatch;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.FinishResult;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveReport;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code marathon} deploy target: Marathon's REST API v2.
 *
 * <p><b>deploy</b> is idempotent by looking first: when the live app already runs the pinned image
 * (this deployment already went out, e.g. before a worker crash, or an earlier one with the same
 * image), no PUT is made and the live version (and running deployment, if any) is returned with
 * {@code alreadyLive} true. Otherwise it sends the committed definition whole with {@code PUT
 * /v2/apps/{id}?partialUpdate=false}, and {@code force=true} only when the request says so. A 409
 * (another deployment holds the app) is waited out: {@code /v2/deployments} is polled until the
 * blocking deployments are gone, heartbeating while it waits, up to {@link
 * MarathonSettings#lockWait()}; then the PUT is tried again. Failures: 400/422 are {@link
 * FailureTypes#REJECTED} with Marathon's details, 401/403 {@link FailureTypes#UNAUTHORIZED} (both
 * non-retryable); 5xx (503 leader loss, 502 proxy), timeouts, connection errors and a lock that
 * outlasts the wait propagate as transient {@link MarathonException}s for Temporal to retry. The
 * returned deployment carries the app's version before the PUT ({@code previousVersion}); a
 * rollback that hands it back ({@code restoreVersion}) redeploys it with {@code {"version": v}}
 * (see {@link #restoreVersion}).
 *
 * <p><b>check</b> is one read-only look ({@code GET /v2/apps/{id}?embed=app.tasks} and {@code GET
 * /v2/deployments}): done when the deployment is gone from {@code /v2/deployments}, {@code
 * tasksHealthy == instances} and every task runs the deployed definition with all health check
 * results alive. Marathon never ends a deployment whose tasks stay unhealthy, so the caller owns
 * the deadline.
 *
 * <p><b>watch</b> (for the health gate, when {@link MarathonSettings#events()}): one shared
 * subscription to {@code /v2/events} per Marathon wakes the gate on an event about the app, and the
 * gate confirms with {@code check}; while the stream is down the gate polls (see {@link
 * MarathonEvents}).
 *
 * <p><b>finish</b> makes no call: after success Marathon has already replaced the old tasks; after
 * a failure the app is left as Marathon has it (rollback is a separate step).
 */
public final class MarathonTarget implements DeployTarget, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MarathonTarget.class);
  private static final String RUNNING = "TASK_RUNNING";

  private final MarathonSettings settings;
  private final OkHttpClient http;
  private final ConcurrentMap<String, MarathonClient> clients = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, MarathonEvents> streams = new ConcurrentHashMap<>();

  public MarathonTarget(MarathonSettings settings) {
    this.settings = settings;
    this.http =
        new OkHttpClient.Builder()
            .connectTimeout(settings.requestTimeout())
            .readTimeout(settings.requestTimeout())
            .writeTimeout(settings.requestTimeout())
            .callTimeout(settings.requestTimeout())
            .build();
  }

  @Override
  public String kind() {
    return "marathon";
  }

  @Override
  public TargetDeployment deploy(TargetRequest request, ObjectNode app) {
    MarathonClient client = client(request);
    String id = appId(request, app);
    String image = app.path("container").path("docker").path("image").asText("");
    if (image.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          request.appPath()
              + ": container.docker.image is missing in the committed definition of "
              + id
              + " (Conveyor writes the pinned image there; check the commit step)",
          FailureTypes.REJECTED);
    }
    if (ImageRef.isLocal(image)) {
      // e.g. a promotion from an environment with registry: local: Marathon's agents cannot
      // pull an image that only exists in the worker's Docker engine.
      throw ApplicationFailure.newNonRetryableFailure(
          request.appPath()
              + ": image "
              + image
              + " is a local image (registry: local), which Marathon cannot run; build it for an"
              + " environment that pushes to a registry",
          FailureTypes.REJECTED);
    }
    ObjectNode body = app.deepCopy();
    body.put("id", id);
    long deadline = System.nanoTime() + settings.lockWait().toNanos();
    try {
      while (true) {
        Optional<AppStatus> live = client.app(id);
        if (live.isPresent() && image.equals(live.get().image())) {
          AppStatus status = live.get();
          String deploymentId =
              status.deploymentIds().isEmpty()
                  ? status.configVersion()
                  : status.deploymentIds().get(0);
          log.info("{} already runs {} (version {}): no PUT", id, image, status.configVersion());
          return new TargetDeployment(deploymentId, status.configVersion(), null, true);
        }
        String previous = live.map(AppStatus::configVersion).orElse(null);
        try {
          DeploymentRef ref = restoreVersion(client, id, image, request).orElse(null);
          if (ref == null) {
            ref = client.putApp(id, body, request.force());
          }
          log.info("{}: deployment {} to version {}", id, ref.deploymentId(), ref.version());
          return new TargetDeployment(ref.deploymentId(), ref.version(), null, false, previous);
        } catch (MarathonException e) {
          if (e.status() != 409) {
            throw e;
          }
          awaitUnlocked(client, id, e.deploymentIds(), deadline);
        }
      }
    } catch (MarathonException e) {
      throw translate(e, id);
    }
  }

  /**
   * A rollback that knows the app version that ran before ({@link TargetRequest#restoreVersion})
   * redeploys that version with {@code {"version": v}}, so Marathon rolls out exactly what it ran.
   * Only when the stored version still holds the restored image; empty (deploy the restored
   * definition instead) when the version is unknown, holds another image, or Marathon answers 404
   * to the PUT. Never {@code DELETE /v2/deployments}: that reverses deployments Marathon picks (see
   * the hazard in the reference notes).
   */
  private Optional<DeploymentRef> restoreVersion(
      MarathonClient client, String id, String image, TargetRequest request) {
    String version = request.restoreVersion();
    if (version == null || version.isBlank()) {
      return Optional.empty();
    }
    Optional<JsonNode> stored = client.appVersion(id, version);
    if (stored.isEmpty()) {
      log.info(
          "{}: Marathon no longer has version {}: deploying the restored definition", id, version);
      return Optional.empty();
    }
    String storedImage = stored.get().path("container").path("docker").path("image").asText("");
    if (!image.equals(storedImage)) {
      log.info(
          "{}: version {} runs {}, not the restored {}: deploying the restored definition",
          id,
          version,
          storedImage,
          image);
      return Optional.empty();
    }
    try {
      DeploymentRef ref = client.putVersion(id, version, request.force());
      log.info("{}: redeployed version {} of {} as {}", id, version, image, ref.version());
      return Optional.of(ref);
    } catch (MarathonException e) {
      if (e.status() == 404) {
        log.info(
            "{}: Marathon answered 404 for version {}: deploying the restored definition",
            id,
            version);
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public HealthSnapshot check(TargetRequest request, TargetDeployment deployment) {
    MarathonClient client = client(request);
    String id = normalize(request.appId());
    try {
      Optional<AppStatus> found = client.app(id);
      if (found.isEmpty()) {
        return new HealthSnapshot(0, 0, false, "app " + id + " does not exist on Marathon");
      }
      AppStatus app = found.get();
      boolean rolling =
          client.deployments().stream().anyMatch(d -> d.id().equals(deployment.deploymentId()));
      return snapshot(app, deployment, rolling);
    } catch (MarathonException e) {
      throw translate(e, id);
    }
  }

  /**
   * With {@link MarathonSettings#events()}: a watch on the Marathon's shared event stream that
   * wakes the gate when an event about the app or the deployment arrives; the gate then confirms
   * with {@link #check}. Otherwise (or while the stream is down) the gate polls.
   */
  @Override
  public HealthWatch watch(TargetRequest request, TargetDeployment deployment) {
    if (!settings.events()) {
      return HealthWatch.POLLING;
    }
    MarathonClient client = client(request);
    MarathonEvents events =
        streams.computeIfAbsent(
            request.marathonUrl(),
            u ->
                new MarathonEvents(
                    client.base(),
                    http,
                    settings.authorization(),
                    MarathonSettings.EVENTS_SAFETY_POLL));
    return events.watch(normalize(request.appId()), deployment.deploymentId());
  }

  /** Closes the event streams; gates still waiting poll. */
  @Override
  public void close() {
    streams.values().forEach(MarathonEvents::close);
    streams.clear();
  }

  /**
   * One {@code GET /v2/apps/{id}?embed=app.tasks}: healthy when {@code tasksHealthy == instances}
   * (running tasks when the app has no health checks) and no deployment of the app is in progress.
   * A missing app is "not deployed"; 5xx and connection errors are transient.
   */
  @Override
  public LiveReport live(TargetRequest request) {
    MarathonClient client = client(request);
    String id = normalize(request.appId());
    try {
      Optional<AppStatus> found = client.app(id);
      if (found.isEmpty()) {
        return new LiveReport(
            false, 0, 0, null, "not deployed on " + request.env() + " (no app " + id + ")");
      }
      AppStatus app = found.get();
      int healthy = app.hasHealthChecks() ? app.tasksHealthy() : app.tasksRunning();
      int expected = app.instances();
      List<String> notes = new ArrayList<>();
      if (!app.deploymentIds().isEmpty()) {
        notes.add("deployment " + app.deploymentIds().get(0) + " in progress");
      }
      for (TaskStatus task : app.tasks()) {
        String problem = problem(task, app.hasHealthChecks());
        if (problem != null) {
          notes.add("task " + task.id() + ": " + problem);
          break;
        }
      }
      if (!app.hasHealthChecks()) {
        notes.add("the app has no Marathon health checks: running tasks count as healthy");
      }
      boolean ok = expected > 0 && healthy == expected && app.deploymentIds().isEmpty();
      StringBuilder summary = new StringBuilder().append(healthy).append('/').append(expected);
      summary.append(" healthy");
      notes.forEach(n -> summary.append("; ").append(n));
      return new LiveReport(ok, healthy, expected, app.image(), summary.toString());
    } catch (MarathonException e) {
      throw translate(e, id);
    }
  }

  @Override
  public FinishResult finish(FinishRequest request) {
    String id = normalize(request.target().appId());
    if (request.succeeded()) {
      return new FinishResult(
          "Marathon already replaced the old tasks of " + id + ": nothing to retire");
    }
    return new FinishResult(
        "left "
            + id
            + " as Marathon has it at version "
            + request.deployment().version()
            + " (deployment "
            + request.deployment().deploymentId()
            + " may still be running); rolling back is a separate step");
  }

  private HealthSnapshot snapshot(AppStatus app, TargetDeployment deployment, boolean rolling) {
    String version = deployment.version();
    int expected = app.instances();
    List<String> notes = new ArrayList<>();
    boolean replaced = !sameVersion(app.configVersion(), version);
    if (replaced) {
      notes.add(
          "app is now at version "
              + app.configVersion()
              + ", not "
              + version
              + ": another deployment replaced this one");
    }
    if (rolling) {
      notes.add("deployment " + deployment.deploymentId() + " in progress");
    }
    // a task launched by a later scale-only change carries a newer version of the same definition
    List<TaskStatus> ours =
        app.tasks().stream().filter(t -> !replaced && atOrAfter(t.version(), version)).toList();
    int older = app.tasks().size() - ours.size();
    if (older > 0 && !replaced) {
      notes.add(older + " task(s) of an older version still running");
    }
    int healthy = 0;
    String firstProblem = null;
    for (TaskStatus task : ours) {
      String problem = problem(task, app.hasHealthChecks());
      if (problem == null) {
        healthy++;
      } else if (firstProblem == null) {
        firstProblem = "task " + task.id() + ": " + problem;
      }
    }
    if (firstProblem != null) {
      notes.add(firstProblem);
    }
    boolean counted =
        app.hasHealthChecks() ? app.tasksHealthy() == expected : app.tasksRunning() == expected;
    if (!app.hasHealthChecks()) {
      notes.add("the app has no Marathon health checks: running tasks count as healthy");
    }
    boolean done =
        !replaced
            && !rolling
            && counted
            && older == 0
            && ours.size() == expected
            && healthy == expected;
    StringBuilder summary = new StringBuilder().append(healthy).append('/').append(expected);
    summary.append(" healthy");
    notes.forEach(n -> summary.append("; ").append(n));
    return new HealthSnapshot(healthy, expected, done, summary.toString());
  }

  /** Why the task is not healthy, or null when it is. */
  private static String problem(TaskStatus task, boolean hasHealthChecks) {
    if (!RUNNING.equals(task.state())) {
      return task.state();
    }
    if (!hasHealthChecks) {
      return null;
    }
    if (task.healthCheckResults().isEmpty()) {
      return "no health check result yet";
    }
    for (HealthResult result : task.healthCheckResults()) {
      if (!result.alive()) {
        return result.lastFailureCause() == null
            ? "health check failing (" + result.consecutiveFailures() + " in a row)"
            : result.lastFailureCause();
      }
    }
    return null;
  }

  /**
   * Polls {@code /v2/deployments} until none of {@code blocking} is listed. When Marathon named
   * none, the app's own deployments are the ones to wait for.
   */
  private void awaitUnlocked(
      MarathonClient client, String id, List<String> blocking, long deadline) {
    Set<String> waitFor = Set.copyOf(blocking);
    if (waitFor.isEmpty()) {
      waitFor = client.app(id).map(a -> Set.copyOf(a.deploymentIds())).orElse(Set.of());
    }
    log.info("{} is locked by deployment(s) {}: waiting", id, waitFor);
    while (true) {
      Set<String> still = new java.util.HashSet<>(waitFor);
      Set<String> running =
          client.deployments().stream()
              .map(MarathonClient.DeploymentInfo::id)
              .collect(Collectors.toSet());
      still.retainAll(running);
      if (still.isEmpty()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new MarathonException(
            409,
            "app "
                + id
                + " is still locked by Marathon deployment(s) "
                + still
                + " after "
                + settings.lockWait()
                + "; the deploy will be retried (an operator can force it)",
            null,
            List.of(),
            List.copyOf(still));
      }
      heartbeat("waiting for Marathon deployment(s) " + still + " that hold " + id);
      try {
        Thread.sleep(settings.pollInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MarathonException(
            "interrupted while waiting for the deployments that hold " + id, e);
      }
    }
  }

  private static RuntimeException translate(MarathonException e, String id) {
    if (e.unauthorized()) {
      return ApplicationFailure.newNonRetryableFailure(
          e.getMessage() + " (check the worker's Marathon credentials: username/password or token)",
          FailureTypes.UNAUTHORIZED);
    }
    if (e.permanent()) {
      return ApplicationFailure.newNonRetryableFailure(
          "Marathon rejected app " + id + ": " + e.getMessage(), FailureTypes.REJECTED);
    }
    return e;
  }

  private MarathonClient client(TargetRequest request) {
    String url = request.marathonUrl();
    if (url == null || url.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "environment "
              + request.env()
              + " deploys to Marathon but has no marathon.url in conveyor.yaml",
          FailureTypes.INVALID_DEFINITIONS);
    }
    return clients.computeIfAbsent(
        url,
        u -> {
          HttpUrl parsed = HttpUrl.parse(u);
          if (parsed == null) {
            throw ApplicationFailure.newNonRetryableFailure(
                "marathon.url '"
                    + u
                    + "' of environment "
                    + request.env()
                    + " is not an http(s) URL",
                FailureTypes.INVALID_DEFINITIONS);
          }
          return new MarathonClient(parsed, http, settings.authorization());
        });
  }

  private static String appId(TargetRequest request, ObjectNode app) {
    String id = app.path("id").asText("");
    if (id.isBlank()) {
      id = request.appId();
    }
    if (id == null || id.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          request.appPath() + ": the app definition has no id", FailureTypes.REJECTED);
    }
    return normalize(id);
  }

  private static String normalize(String id) {
    return id.startsWith("/") ? id : "/" + id;
  }

  private static boolean sameVersion(String a, String b) {
    return compare(a, b) == 0;
  }

  private static boolean atOrAfter(String taskVersion, String deployed) {
    return compare(taskVersion, deployed) >= 0;
  }

  /** Marathon versions are ISO-8601 instants; compares them as such (text equality otherwise). */
  private static int compare(String a, String b) {
    try {
      return Instant.parse(a).compareTo(Instant.parse(b));
    } catch (DateTimeParseException | NullPointerException e) {
      return a != null && a.equals(b) ? 0 : -1;
    }
  }

  /** Heartbeats when running inside an activity; a plain call (tests, tools) has no context. */
  private static void heartbeat(String details) {
    ActivityExecutionContext context;
    try {
      context = Activity.getExecutionContext();
    } catch (IllegalStateException notInAnActivity) {
      return;
    }
    context.heartbeat(details);
  }
}
