package dev.conveyor.activities.chronos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.target.AppDefinitionSource;
import dev.conveyor.definitions.SecretRef;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.JobActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.UnaryOperator;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Chronos steps of a job deployment, on the environment's Chronos ({@code chronos.url} and
 * {@code apiPrefix} from the definitions; {@code ${env:NAME}} references in the URL are resolved
 * here, on the worker).
 *
 * <p><b>register</b> reads the committed job definition at the config commit the commit step made,
 * and posts it unless Chronos already lists the job with every field of that definition. Chronos
 * upserts by name, so a repeated post is harmless; the check only spares Chronos a needless
 * reschedule.
 *
 * <p><b>verify</b> reads the listing until it shows the job with the pinned image, for at most
 * {@link ChronosSettings#listingWait()}.
 *
 * <p><b>smoke run</b> notes the job's run statistics, triggers one run, heartbeats that it did, and
 * waits until {@code successCount} grows or {@code lastSuccess} changes (success), {@code
 * errorCount} grows or {@code lastError} changes (failure: Chronos counts a failed run once its
 * retries are used up), or the deadline passes. A retry after a worker crash finds the trigger in
 * the heartbeat details and only waits, with the first attempt's deadline. Counters, not clocks:
 * the worker's and Chronos's clocks need not agree. A scheduled run that happens to end meanwhile
 * counts too; that is a run of the new image as well.
 *
 * <p><b>Failures.</b> 401/403 are {@link FailureTypes#UNAUTHORIZED}, other 4xx (a 400 for a bad
 * schedule or an unknown parent) {@link FailureTypes#REJECTED} with Chronos's answer, both
 * non-retryable; 5xx, timeouts and connection errors propagate for Temporal to retry.
 */
public final class ChronosActivitiesImpl implements JobActivities {
  private static final Logger log = LoggerFactory.getLogger(ChronosActivitiesImpl.class);

  private final ChronosSettings settings;
  private final AppDefinitionSource definitions;
  private final UnaryOperator<String> env;
  private final Clock clock;
  private final OkHttpClient http;
  private final ConcurrentMap<String, ChronosClient> clients = new ConcurrentHashMap<>();

  /**
   * @param definitions reads the committed job definition (the same source the deploy step uses for
   *     app definitions)
   */
  public ChronosActivitiesImpl(ChronosSettings settings, AppDefinitionSource definitions) {
    this(settings, definitions, System::getenv, Clock.systemUTC());
  }

  /**
   * @param env the worker's environment variables, for {@code ${env:NAME}} in URLs
   * @param clock for deadlines
   */
  ChronosActivitiesImpl(
      ChronosSettings settings,
      AppDefinitionSource definitions,
      UnaryOperator<String> env,
      Clock clock) {
    this.settings = settings;
    this.definitions = definitions;
    this.env = env;
    this.clock = clock;
    this.http =
        new OkHttpClient.Builder()
            .connectTimeout(settings.requestTimeout())
            .readTimeout(settings.requestTimeout())
            .writeTimeout(settings.requestTimeout())
            .callTimeout(settings.requestTimeout())
            .build();
  }

  @Override
  public JobRegistration registerJob(RegisterJobRequest request) {
    Scheduler scheduler = request.scheduler();
    ChronosClient chronos = client(scheduler);
    ObjectNode job =
        definitions.read(request.definitions(), request.configCommit(), request.jobPath());
    String name = job.path("name").asText("");
    if (!name.equals(request.chronosName())) {
      throw ApplicationFailure.newNonRetryableFailure(
          request.jobPath()
              + " at "
              + request.configCommit()
              + " names Chronos job '"
              + name
              + "', not '"
              + request.chronosName()
              + "' as the definitions did",
          FailureTypes.INVALID_DEFINITIONS);
    }
    try {
      Optional<ChronosJob> listed = chronos.job(name);
      if (listed.isPresent() && holds(listed.get().definition(), job)) {
        log.info("{}: Chronos already has {} as committed", request.workflowId(), name);
        return new JobRegistration(name, ChronosClient.endpointFor(job), true);
      }
      String endpoint = chronos.upsert(job);
      log.info(
          "{}: registered {} with Chronos via {} ({})",
          request.workflowId(),
          name,
          endpoint,
          request.pinnedImage());
      return new JobRegistration(name, endpoint, false);
    } catch (ChronosException e) {
      throw translate(e, scheduler, "register job " + name);
    }
  }

  @Override
  public ListedJob verifyJob(VerifyJobRequest request) {
    ChronosClient chronos = client(request.scheduler());
    String name = request.chronosName();
    long deadline = clock.millis() + settings.listingWait().toMillis();
    try {
      while (true) {
        Optional<ChronosJob> listed = chronos.job(name);
        if (listed.isPresent() && request.pinnedImage().equals(listed.get().image())) {
          ChronosJob job = listed.get();
          return new ListedJob(name, job.image(), job.schedule(), job.parents(), job.disabled());
        }
        if (clock.millis() >= deadline) {
          String seen =
              listed
                  .map(j -> "lists it with image " + (j.image() == null ? "(none)" : j.image()))
                  .orElse("does not list it");
          throw ApplicationFailure.newNonRetryableFailure(
              "Chronos of "
                  + request.scheduler().env()
                  + " accepted job "
                  + name
                  + " but after "
                  + human(settings.listingWait())
                  + " "
                  + seen
                  + ", not with "
                  + request.pinnedImage()
                  + " (did something else register the job meanwhile?)",
              FailureTypes.REJECTED);
        }
        sleep(settings.pollInterval().toMillis());
      }
    } catch (ChronosException e) {
      throw translate(e, request.scheduler(), "list jobs");
    }
  }

  @Override
  public SmokeRunResult smokeRunJob(SmokeRunRequest request) {
    ChronosClient chronos = client(request.scheduler());
    String name = request.chronosName();
    ActivityExecutionContext context = Activity.getExecutionContext();
    SmokeProgress progress =
        context
            .getHeartbeatDetails(SmokeProgress.class)
            .filter(SmokeProgress::triggered)
            .orElse(null);
    if (progress == null) {
      progress = trigger(chronos, request);
      // The first heartbeat goes out at once: a retry from here on will not trigger again.
      context.heartbeat(progress);
    } else {
      log.info(
          "{}: run of {} was triggered before a retry; waiting for it", request.workflowId(), name);
    }
    long deadline = progress.startedAt() + Duration.ofSeconds(request.timeoutSeconds()).toMillis();
    String seen = "no answer yet";
    while (true) {
      try {
        Optional<ChronosJob> listed = chronos.job(name);
        if (listed.isEmpty()) {
          seen = "Chronos does not list " + name + " any more";
        } else {
          ChronosJob job = listed.get();
          if (job.successCount() > progress.successCount()
              || (!job.lastSuccess().isEmpty()
                  && !job.lastSuccess().equals(progress.lastSuccess()))) {
            long seconds = Math.max(0, (clock.millis() - progress.startedAt()) / 1000);
            return new SmokeRunResult(
                name,
                job.successCount(),
                job.lastSuccess(),
                "run of "
                    + name
                    + " succeeded within "
                    + seconds
                    + "s (lastSuccess "
                    + job.lastSuccess()
                    + ")");
          }
          if (job.errorCount() > progress.errorCount()
              || (!job.lastError().isEmpty() && !job.lastError().equals(progress.lastError()))) {
            throw ApplicationFailure.newNonRetryableFailure(
                "the smoke run of "
                    + name
                    + " failed: Chronos reports lastError "
                    + job.lastError()
                    + " (errorCount "
                    + job.errorCount()
                    + "); the task's output is in its Mesos sandbox",
                FailureTypes.SMOKE_RUN_FAILED);
          }
          seen = "no new success yet (successCount " + job.successCount() + ")";
        }
      } catch (ChronosException e) {
        if (e.unauthorized() || e.permanent()) {
          throw translate(e, request.scheduler(), "list jobs");
        }
        // Chronos may be briefly unreachable (leader change): the deadline decides.
        seen = "cannot check: " + e.getMessage();
      }
      long now = clock.millis();
      if (now >= deadline) {
        throw ApplicationFailure.newNonRetryableFailure(
            "the smoke run of "
                + name
                + " did not succeed within "
                + request.timeoutSeconds()
                + "s: "
                + seen,
            FailureTypes.SMOKE_RUN_FAILED);
      }
      context.heartbeat(progress.withLastSeen(seen));
      sleep(Math.min(settings.pollInterval().toMillis(), deadline - now));
    }
  }

  /** Notes the run statistics, then starts one run. */
  private SmokeProgress trigger(ChronosClient chronos, SmokeRunRequest request) {
    String name = request.chronosName();
    try {
      ChronosJob before =
          chronos
              .job(name)
              .orElseThrow(
                  () ->
                      ApplicationFailure.newNonRetryableFailure(
                          "Chronos of "
                              + request.scheduler().env()
                              + " does not list job "
                              + name
                              + ", so it cannot run it",
                          FailureTypes.REJECTED));
      long startedAt = clock.millis();
      chronos.run(name);
      log.info("{}: triggered a run of {}", request.workflowId(), name);
      return new SmokeProgress(
          startedAt,
          true,
          before.successCount(),
          before.errorCount(),
          before.lastSuccess(),
          before.lastError(),
          "triggered");
    } catch (ChronosException e) {
      throw translate(e, request.scheduler(), "run job " + name);
    }
  }

  /**
   * Whether the listed job already holds every field of the committed definition. Numbers compare
   * by value (Chronos may write {@code 256} back as {@code 256.0}); fields Chronos adds (its run
   * statistics) are ignored.
   */
  static boolean holds(JsonNode listed, JsonNode committed) {
    if (committed.isNumber()) {
      return listed.isNumber() && listed.decimalValue().compareTo(committed.decimalValue()) == 0;
    }
    if (committed.isObject()) {
      if (!listed.isObject()) {
        return false;
      }
      Iterator<Map.Entry<String, JsonNode>> fields = committed.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode other = listed.get(field.getKey());
        if (other == null || !holds(other, field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (committed.isArray()) {
      if (!listed.isArray() || listed.size() != committed.size()) {
        return false;
      }
      for (int i = 0; i < committed.size(); i++) {
        if (!holds(listed.get(i), committed.get(i))) {
          return false;
        }
      }
      return true;
    }
    return committed.equals(listed);
  }

  private ChronosClient client(Scheduler scheduler) {
    String written = scheduler.url();
    if (written == null || written.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "environment " + scheduler.env() + " has no chronos.url in conveyor.yaml",
          FailureTypes.INVALID_DEFINITIONS);
    }
    String prefix = scheduler.apiPrefix() == null ? "/v1/scheduler" : scheduler.apiPrefix();
    String url = resolve(written, scheduler.env());
    return clients.computeIfAbsent(
        prefix + " " + url,
        key -> {
          HttpUrl parsed = HttpUrl.parse(url);
          if (parsed == null) {
            // The written form: a resolved URL may hold credentials.
            throw ApplicationFailure.newNonRetryableFailure(
                "chronos.url '"
                    + written
                    + "' of environment "
                    + scheduler.env()
                    + " is not an http(s) URL",
                FailureTypes.INVALID_DEFINITIONS);
          }
          return new ChronosClient(parsed, prefix, http, settings.authorization());
        });
  }

  private String resolve(String url, String envName) {
    try {
      return SecretRef.resolve(url, env::apply);
    } catch (IllegalArgumentException unset) {
      String name =
          SecretRef.names(url).stream().filter(n -> env.apply(n) == null).findFirst().orElse("?");
      throw ApplicationFailure.newNonRetryableFailure(
          "chronos.url of environment "
              + envName
              + " refers to ${env:"
              + name
              + "} but "
              + name
              + " is not set in the worker's environment: set it where the worker runs",
          FailureTypes.MISCONFIGURED);
    }
  }

  private static RuntimeException translate(ChronosException e, Scheduler scheduler, String what) {
    if (e.unauthorized()) {
      return ApplicationFailure.newNonRetryableFailure(
          e.getMessage()
              + " (check the worker's Chronos credentials: conveyor.worker.chronos.username and"
              + " password)",
          FailureTypes.UNAUTHORIZED);
    }
    if (e.permanent()) {
      return ApplicationFailure.newNonRetryableFailure(
          "Chronos of "
              + scheduler.env()
              + " refused to "
              + what
              + " (HTTP "
              + e.status()
              + ")"
              + (e.said() == null ? "" : ": " + e.said()),
          FailureTypes.REJECTED);
    }
    return e;
  }

  private static String human(Duration duration) {
    return duration.toSeconds() > 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Chronos", e);
    }
  }

  /**
   * Heartbeat details of the smoke run: when it was triggered (the deadline's origin), whether it
   * was, the statistics before it, and what was seen last.
   */
  public record SmokeProgress(
      long startedAt,
      boolean triggered,
      long successCount,
      long errorCount,
      String lastSuccess,
      String lastError,
      String lastSeen) {
    SmokeProgress withLastSeen(String seen) {
      return new SmokeProgress(
          startedAt, triggered, successCount, errorCount, lastSuccess, lastError, seen);
    }
  }
}
