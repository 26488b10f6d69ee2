package dev.conveyor.activities.simulators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * Chronos's scheduler API in memory, after {@code shared/reference/README.md}, under one prefix:
 * {@code /v1/scheduler} (3.x, the default) or {@code /scheduler} (2.x); the other prefix is 404.
 *
 * <ul>
 *   <li>{@code POST <prefix>/iso8601} upserts a scheduled job by {@code name}: 204. 400 with a
 *       plain-text reason for a body that is not a JSON object, a missing or invalid name ({@code
 *       [\w.-]+}), a missing or malformed {@code schedule} ({@code R[n]/<start>/<period>}), or
 *       {@code parents} (those go to the other endpoint).
 *   <li>{@code POST <prefix>/dependency} upserts a job with {@code parents}: 204; 400 without
 *       parents, with a {@code schedule}, or when a parent is not a known job.
 *   <li>An upsert replaces the definition and keeps the run statistics.
 *   <li>{@code GET <prefix>/jobs}: every job, its definition plus {@code successCount}, {@code
 *       errorCount}, {@code errorsSinceLastSuccess}, {@code lastSuccess}, {@code lastError} (ISO
 *       8601 instants, empty before the first).
 *   <li>{@code PUT <prefix>/job/<name>} starts a run: 204 (400 for an unknown job). The run ends
 *       {@link #runsTake} later, in success, or in failure for jobs told to {@link #failRuns}; the
 *       statistics change when it ends.
 *   <li>{@code DELETE <prefix>/job/<name>}: 204.
 *   <li>Faults: 401 without the configured Basic credentials; any status for the next N requests
 *       ({@link #failNext}); upserts answered 204 but not kept ({@link #loseUpserts}).
 * </ul>
 *
 * Time comes from the {@link Clock} given to {@link #start}: a {@link SimClock} the test advances,
 * or the system clock with durations of a few milliseconds. Every request is recorded.
 */
public final class ChronosSimulator extends Dispatcher implements AutoCloseable {
  /** Chronos 3.x's prefix. */
  public static final String V3 = "/v1/scheduler";

  /** Chronos 2.x's prefix. */
  public static final String V2 = "/scheduler";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[\\w.-]+");
  private static final Pattern SCHEDULE = Pattern.compile("R\\d*/[^/]*/P[0-9YMWDTHS.,]+");
  private static final List<String> STATISTICS =
      List.of("successCount", "errorCount", "errorsSinceLastSuccess", "lastSuccess", "lastError");

  private final MockWebServer server = new MockWebServer();
  private final Clock clock;
  private final List<String> prefix;
  private final Map<String, ObjectNode> jobs = new LinkedHashMap<>();
  private final List<Run> runs = new ArrayList<>();
  private final Set<String> failing = new HashSet<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private Duration runDuration = Duration.ZERO;
  private String basicAuth;
  private int failures;
  private int failureStatus;
  private boolean losingUpserts;

  private ChronosSimulator(Clock clock, String prefix) {
    this.clock = clock;
    this.prefix = List.of(prefix.replaceAll("^/+|/+$", "").split("/"));
  }

  /** A Chronos 3.x on the system clock. */
  public static ChronosSimulator start() {
    return start(Clock.systemUTC(), V3);
  }

  /**
   * A Chronos under {@code prefix} ({@link #V3} or {@link #V2}) whose runs follow {@code clock}.
   */
  public static ChronosSimulator start(Clock clock, String prefix) {
    ChronosSimulator simulator = new ChronosSimulator(clock, prefix);
    simulator.server.setDispatcher(simulator);
    try {
      simulator.server.start(InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return simulator;
  }

  /** Base URL, e.g. {@code http://127.0.0.1:51234}, as written in {@code chronos.url}. */
  public String url() {
    String url = server.url("/").toString();
    return url.substring(0, url.length() - 1);
  }

  /** How long a run takes from its trigger to its end. Default zero. */
  public synchronized ChronosSimulator runsTake(Duration duration) {
    this.runDuration = duration;
    return this;
  }

  /** Runs of {@code name} fail from now on (they succeed by default). */
  public synchronized ChronosSimulator failRuns(String name) {
    failing.add(name);
    return this;
  }

  /** Requests need HTTP Basic with these credentials (401 otherwise). */
  public synchronized ChronosSimulator requireBasicAuth(String user, String password) {
    this.basicAuth =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** The next {@code count} requests answer {@code status} (e.g. 503 during a leader change). */
  public synchronized ChronosSimulator failNext(int count, int status) {
    this.failures = count;
    this.failureStatus = status;
    return this;
  }

  /** Upserts answer 204 but change nothing while set: a Chronos that loses what it accepted. */
  public synchronized ChronosSimulator loseUpserts(boolean lose) {
    this.losingUpserts = lose;
    return this;
  }

  /** A job Chronos already has, as if registered earlier, with no runs yet. */
  public synchronized void seed(ObjectNode job) {
    store(job.deepCopy());
  }

  /** The job as {@code GET jobs} lists it. */
  public synchronized Optional<ObjectNode> job(String name) {
    finishRuns();
    return Optional.ofNullable(jobs.get(name)).map(ObjectNode::deepCopy);
  }

  /** Every request received, in order. */
  public synchronized List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /**
   * How many requests had this method and path (the path after the host, e.g. /v1/scheduler/jobs).
   */
  public synchronized long count(String method, String path) {
    return requests.stream()
        .filter(r -> r.getMethod().equals(method) && r.getUrl().encodedPath().equals(path))
        .count();
  }

  /** The bodies of every upsert ({@code iso8601} or {@code dependency}) received, in order. */
  public synchronized List<JsonNode> upserts() {
    List<JsonNode> bodies = new ArrayList<>();
    for (RecordedRequest r : requests) {
      List<String> rest = rest(r);
      if (r.getMethod().equals("POST")
          && rest != null
          && rest.size() == 1
          && Set.of("iso8601", "dependency").contains(rest.get(0))) {
        bodies.add(parseQuietly(r));
      }
    }
    return bodies;
  }

  /** How many runs of {@code name} were triggered. */
  public synchronized int runsOf(String name) {
    return (int) runs.stream().filter(r -> r.name.equals(name)).count();
  }

  @Override
  public void close() {
    server.close();
  }

  @Override
  public synchronized MockResponse dispatch(RecordedRequest request) {
    requests.add(request);
    if (failures > 0) {
      failures--;
      return text(failureStatus, "Chronos is not available (simulated)");
    }
    if (basicAuth != null && !basicAuth.equals(request.getHeaders().get("Authorization"))) {
      return new MockResponse.Builder()
          .code(401)
          .setHeader("WWW-Authenticate", "Basic realm=\"Chronos\"")
          .body("Unauthorized")
          .build();
    }
    finishRuns();
    List<String> rest = rest(request);
    if (rest == null || rest.isEmpty()) {
      return text(404, "Not Found");
    }
    String method = request.getMethod();
    return switch (rest.get(0)) {
      case "iso8601" ->
          method.equals("POST") && rest.size() == 1 ? upsert(request, false) : notAllowed();
      case "dependency" ->
          method.equals("POST") && rest.size() == 1 ? upsert(request, true) : notAllowed();
      case "jobs" -> method.equals("GET") && rest.size() == 1 ? listing() : notAllowed();
      case "job" -> rest.size() == 2 ? job(method, rest.get(1)) : text(404, "Not Found");
      default -> text(404, "Not Found");
    };
  }

  /** The path segments after the prefix, or null when the path is not under it. */
  private List<String> rest(RecordedRequest request) {
    List<String> segments = request.getUrl().pathSegments();
    if (segments.size() < prefix.size() || !segments.subList(0, prefix.size()).equals(prefix)) {
      return null;
    }
    return segments.subList(prefix.size(), segments.size());
  }

  private MockResponse upsert(RecordedRequest request, boolean dependent) {
    JsonNode body = parseQuietly(request);
    if (!(body instanceof ObjectNode job)) {
      return text(400, "the body must be a JSON object describing a job");
    }
    String name = job.path("name").asText("");
    if (!NAME.matcher(name).matches()) {
      return text(400, "job name '" + name + "' is invalid: use letters, digits, '_', '.', '-'");
    }
    boolean hasParents = job.path("parents").isArray() && !job.path("parents").isEmpty();
    String schedule = job.path("schedule").asText("");
    if (dependent) {
      if (!hasParents) {
        return text(400, "a dependent job needs parents");
      }
      if (!schedule.isEmpty()) {
        return text(400, "a dependent job cannot have a schedule");
      }
      for (JsonNode parent : job.path("parents")) {
        if (!jobs.containsKey(parent.asText())) {
          return text(400, "parent job '" + parent.asText() + "' was not found");
        }
      }
    } else {
      if (hasParents) {
        return text(400, "a job with parents goes to the dependency endpoint");
      }
      if (!SCHEDULE.matcher(schedule).matches()) {
        return text(400, "invalid schedule '" + schedule + "': expected R[n]/<start>/<period>");
      }
    }
    if (!losingUpserts) {
      store(job);
    }
    return new MockResponse.Builder().code(204).build();
  }

  private void store(ObjectNode job) {
    String name = job.path("name").asText();
    ObjectNode previous = jobs.get(name);
    ObjectNode stored = job.deepCopy();
    for (String field : STATISTICS) {
      stored.remove(field);
    }
    if (previous == null) {
      stored.put("successCount", 0).put("errorCount", 0).put("errorsSinceLastSuccess", 0);
      stored.put("lastSuccess", "").put("lastError", "");
    } else {
      for (String field : STATISTICS) {
        stored.set(field, previous.get(field));
      }
    }
    jobs.put(name, stored);
  }

  private MockResponse listing() {
    ArrayNode out = MAPPER.createArrayNode();
    jobs.values().forEach(out::add);
    return new MockResponse.Builder()
        .code(200)
        .setHeader("Content-Type", "application/json")
        .body(out.toString())
        .build();
  }

  private MockResponse job(String method, String name) {
    if (!jobs.containsKey(name)) {
      return text(400, "job '" + name + "' does not exist");
    }
    return switch (method) {
      case "PUT" -> {
        runs.add(new Run(name, clock.instant().plus(runDuration)));
        finishRuns();
        yield new MockResponse.Builder().code(204).build();
      }
      case "DELETE" -> {
        jobs.remove(name);
        yield new MockResponse.Builder().code(204).build();
      }
      default -> notAllowed();
    };
  }

  /** Runs whose time has come end now, in the order they were triggered. */
  private void finishRuns() {
    Instant now = clock.instant();
    for (Run run : runs) {
      if (run.ended || now.isBefore(run.endsAt)) {
        continue;
      }
      run.ended = true;
      ObjectNode job = jobs.get(run.name);
      if (job == null) {
        continue;
      }
      String at = run.endsAt.toString();
      if (failing.contains(run.name)) {
        job.put("errorCount", job.path("errorCount").asLong() + 1);
        job.put("errorsSinceLastSuccess", job.path("errorsSinceLastSuccess").asLong() + 1);
        job.put("lastError", at);
      } else {
        job.put("successCount", job.path("successCount").asLong() + 1);
        job.put("errorsSinceLastSuccess", 0);
        job.put("lastSuccess", at);
      }
    }
  }

  private static MockResponse notAllowed() {
    return text(405, "Method Not Allowed");
  }

  private static MockResponse text(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .setHeader("Content-Type", "text/plain")
        .body(body)
        .build();
  }

  private static JsonNode parseQuietly(RecordedRequest request) {
    try {
      return MAPPER.readTree(request.getBody().utf8());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static final class Run {
    final String name;
    final Instant endsAt;
    boolean ended;

    Run(String name, Instant endsAt) {
      this.name = name;
      this.endsAt = endsAt;
    }
  }
}
