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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okio.BufferedSink;

/**
 * Marathon's REST API v2 in memory, after {@code shared/reference/README.md} and the recorded
 * examples in {@code shared/reference/marathon/examples/}.
 *
 * <ul>
 *   <li>{@code PUT /v2/apps/{id}} creates (201) or updates (200) the app: {@code {deploymentId,
 *       version}} and a {@code Marathon-Deployment-Id} header. {@code partialUpdate} (default true)
 *       merges top-level fields into the current definition; {@code false} replaces it. A body that
 *       is only {@code {"version": v}} rolls back to that stored version (404 when unknown). 400
 *       for malformed JSON, 422 {@code {message, details[{path, errors}]}} for an invalid app (bad
 *       id, negative instances, blank {@code container.docker.image}, nothing to run), 409 with
 *       {@code deployments[{id}]} while a deployment holds the app unless {@code force=true} (which
 *       cancels it).
 *   <li>Each change starts a deployment listed in {@code GET /v2/deployments} until it is done: at
 *       least {@link #deploymentDuration} has passed and every task of the new version is healthy.
 *       Tasks of the new version start at once and turn healthy after {@link #tasksHealthyAfter}
 *       (per app, or never: {@link #tasksNeverHealthy}); a deployment whose tasks never turn
 *       healthy never ends, as in Marathon. When it ends, old tasks are gone.
 *   <li>{@code GET /v2/apps/{id}} ({@code ?embed=app.tasks}), {@code /tasks} with {@code
 *       healthCheckResults} (only for apps with {@code healthChecks}, as in Marathon), {@code
 *       /versions}, {@code /versions/{v}}, {@code GET /v2/apps}, {@code POST /v2/apps}, {@code
 *       DELETE /v2/apps/{id}}, {@code DELETE /v2/deployments/{id}[?force=true]}, {@code GET
 *       /v2/info}.
 *   <li>{@code GET /v2/events}: server-sent events (repeated {@code event_type=} filters): {@code
 *       event_stream_attached} first, then {@code status_update_event} ({@code TASK_RUNNING}) for
 *       each task a deployment starts, {@code health_status_changed_event} {@code {appId,
 *       instanceId, version, alive: true}} when a task of an app with health checks turns healthy,
 *       and {@code deployment_success} {@code {id, plan}} when a deployment ends. A background
 *       thread notices those moments (every 2 ms) while a stream is open. Faults: {@link
 *       #dropEventStreams} ends every open stream, {@link #eventStreamUnavailable} answers 503.
 *   <li>Faults: tasks that never turn healthy per app ({@link #tasksNeverHealthy}) or per image
 *       ({@link #imageNeverHealthy}); 401 without the configured credentials (Basic or {@code
 *       token=<jwt>}), 403 when {@link #forbidden}, 503 (or any status) for the next N requests
 *       ({@link #failNext}).
 * </ul>
 *
 * Time comes from the {@link Clock} given to {@link #start(Clock)}: a {@link SimClock} the test
 * advances, or the system clock with durations of a few milliseconds. Every request is recorded.
 */
public final class MarathonSimulator extends Dispatcher implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter VERSION =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern ID_SEGMENT =
      Pattern.compile(
          "^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])$");
  private static final String DEFAULT_CAUSE = "ConnectException: Connection refused";

  private final MockWebServer server = new MockWebServer();
  private final Clock clock;
  private final Map<String, App> apps = new TreeMap<>();
  private final Map<String, Deployment> deployments = new LinkedHashMap<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final Map<String, Duration> healthyAfter = new HashMap<>();
  private final Map<String, String> neverHealthy = new HashMap<>();
  private final Map<java.util.function.Predicate<String>, String> imageNeverHealthy =
      new LinkedHashMap<>();
  private Duration deploymentDuration = Duration.ZERO;
  private Duration defaultHealthyAfter = Duration.ZERO;
  private String basicAuth;
  private String token;
  private boolean forbidden;
  private int failures;
  private int failureStatus;
  private Instant lastVersion;
  private int taskCounter;
  private final List<EventStream> streams = new ArrayList<>();
  private final Set<String> announcedHealthy = new HashSet<>();
  private boolean eventsUnavailable;
  private volatile boolean closed;
  private Thread pump;

  private MarathonSimulator(Clock clock) {
    this.clock = clock;
  }

  /** A simulator on the system clock. */
  public static MarathonSimulator start() {
    return start(Clock.systemUTC());
  }

  /** A simulator whose deployments and health checks follow {@code clock}. */
  public static MarathonSimulator start(Clock clock) {
    MarathonSimulator simulator = new MarathonSimulator(clock);
    simulator.server.setDispatcher(simulator);
    try {
      simulator.server.start(InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return simulator;
  }

  /** Base URL, e.g. {@code http://127.0.0.1:51234}, as written in {@code marathon.url}. */
  public String url() {
    String url = server.url("/").toString();
    return url.substring(0, url.length() - 1);
  }

  /** The least time a deployment stays listed in {@code /v2/deployments}. Default zero. */
  public synchronized MarathonSimulator deploymentDuration(Duration duration) {
    this.deploymentDuration = duration;
    return this;
  }

  /** New tasks of every app turn healthy this long after they start. Default zero. */
  public synchronized MarathonSimulator tasksHealthyAfter(Duration delay) {
    this.defaultHealthyAfter = delay;
    return this;
  }

  public synchronized MarathonSimulator tasksHealthyAfter(String appId, Duration delay) {
    String id = normalize(appId);
    neverHealthy.remove(id);
    healthyAfter.put(id, delay);
    return this;
  }

  /** New tasks of the app never pass their health check; {@code cause} is the failure shown. */
  public synchronized MarathonSimulator tasksNeverHealthy(String appId, String cause) {
    neverHealthy.put(normalize(appId), cause);
    return this;
  }

  /**
   * Tasks of any app whose definition runs an image containing {@code imagePart} (e.g. a digest)
   * never pass their health check; {@code cause} is the failure shown. Tasks of other images of the
   * same app are not affected: a broken release next to a good previous version.
   */
  public synchronized MarathonSimulator imageNeverHealthy(String imagePart, String cause) {
    return imagesNeverHealthy(image -> image.contains(imagePart), cause);
  }

  /**
   * Tasks of definitions whose image matches {@code broken} never pass their health check, e.g.
   * every image but the known good one (a release whose digest is not known in advance).
   */
  public synchronized MarathonSimulator imagesNeverHealthy(
      java.util.function.Predicate<String> broken, String cause) {
    imageNeverHealthy.put(broken, cause);
    return this;
  }

  /** Requests need HTTP Basic with these credentials (401 otherwise). */
  public synchronized MarathonSimulator requireBasicAuth(String user, String password) {
    this.basicAuth =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** Requests need {@code Authorization: token=<token>} (DC/OS) (401 otherwise). */
  public synchronized MarathonSimulator requireToken(String token) {
    this.token = token;
    return this;
  }

  /** Authenticated requests are refused with 403 while set. */
  public synchronized MarathonSimulator forbidden(boolean forbidden) {
    this.forbidden = forbidden;
    return this;
  }

  /** The next {@code count} requests answer 503: no leader (Marathon ≤ 1.7). */
  public synchronized MarathonSimulator failNext(int count) {
    return failNext(count, 503);
  }

  /** The next {@code count} requests answer {@code status} (e.g. 502 from a 1.10 proxy). */
  public synchronized MarathonSimulator failNext(int count, int status) {
    this.failures = count;
    this.failureStatus = status;
    return this;
  }

  /** An app that is already live: its tasks run and are healthy, no deployment is running. */
  public synchronized String seed(ObjectNode app) {
    String id = normalize(app.path("id").asText());
    ObjectNode definition = app.deepCopy();
    definition.put("id", id);
    if (!definition.has("instances")) {
      definition.put("instances", 1);
    }
    App created = new App(id);
    String version = nextVersion();
    created.install(definition, version);
    for (int i = 0; i < definition.path("instances").asInt(); i++) {
      created.tasks.add(newTask(id, version, clock.instant(), clock.instant(), null));
    }
    apps.put(id, created);
    return version;
  }

  /** Every request received, in order. */
  public synchronized List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** The bodies of every {@code PUT /v2/apps/{appId}} received, in order. */
  public synchronized List<JsonNode> putBodies(String appId) {
    String path = "/v2/apps" + normalize(appId);
    List<JsonNode> bodies = new ArrayList<>();
    for (RecordedRequest r : requests) {
      if (r.getMethod().equals("PUT") && decodedPath(r.getUrl()).equals(path)) {
        bodies.add(parseQuietly(r));
      }
    }
    return bodies;
  }

  /** The app's current definition as Marathon stores it. */
  public synchronized Optional<ObjectNode> definition(String appId) {
    return Optional.ofNullable(apps.get(normalize(appId))).map(a -> a.definition.deepCopy());
  }

  /** The definition Marathon stores for the app at {@code version}, if both exist. */
  public synchronized Optional<ObjectNode> definitionAt(String appId, String version) {
    return Optional.ofNullable(apps.get(normalize(appId)))
        .map(a -> a.versions.get(version))
        .map(ObjectNode::deepCopy);
  }

  /** The app's current version, if the app exists. */
  public synchronized Optional<String> version(String appId) {
    return Optional.ofNullable(apps.get(normalize(appId))).map(a -> a.version);
  }

  /** Ids of the deployments still running. */
  public synchronized List<String> activeDeployments() {
    tick();
    return List.copyOf(deployments.keySet());
  }

  /** Ends every open event stream (the client sees the stream end: a lost connection). */
  public synchronized MarathonSimulator dropEventStreams() {
    streams.forEach(EventStream::end);
    streams.clear();
    return this;
  }

  /** While set, {@code GET /v2/events} answers 503 (e.g. a proxy that refuses SSE). */
  public synchronized MarathonSimulator eventStreamUnavailable(boolean unavailable) {
    this.eventsUnavailable = unavailable;
    return this;
  }

  /** How many event streams are open now. */
  public synchronized int openEventStreams() {
    return streams.size();
  }

  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      streams.forEach(EventStream::end);
      streams.clear();
    }
    server.close();
  }

  @Override
  public synchronized MockResponse dispatch(RecordedRequest request) {
    requests.add(request);
    if (failures > 0) {
      failures--;
      return json(failureStatus, message("Could not determine the current leader"));
    }
    MockResponse denied = authenticate(request);
    if (denied != null) {
      return denied;
    }
    tick();
    HttpUrl url = request.getUrl();
    List<String> segments = url.pathSegments();
    String method = request.getMethod();
    if (segments.size() < 2 || !segments.get(0).equals("v2")) {
      return json(404, message("Not found: " + url.encodedPath()));
    }
    String resource = segments.get(1);
    List<String> rest = segments.subList(2, segments.size());
    return switch (resource) {
      case "apps" -> apps(method, rest, url, request);
      case "deployments" -> deploymentsResource(method, rest, url);
      case "info" -> json(200, info());
      case "events" ->
          method.equals("GET") ? events(url) : json(405, message("Method not allowed"));
      default -> json(404, message("Not found: " + url.encodedPath()));
    };
  }

  private MockResponse authenticate(RecordedRequest request) {
    if (basicAuth == null && token == null) {
      return forbidden ? json(403, message("Not Authorized to perform this action!")) : null;
    }
    String given = request.getHeaders().get("Authorization");
    boolean ok =
        given != null
            && ((basicAuth != null && given.equals(basicAuth))
                || (token != null && given.equals("token=" + token)));
    if (!ok) {
      return new MockResponse.Builder()
          .code(401)
          .setHeader("WWW-Authenticate", "Basic realm=\"Mesosphere Marathon\"")
          .setHeader("Content-Type", "application/json")
          .body(message("Invalid username or password.").toString())
          .build();
    }
    return forbidden ? json(403, message("Not Authorized to perform this action!")) : null;
  }

  private MockResponse apps(String method, List<String> rest, HttpUrl url, RecordedRequest r) {
    if (rest.isEmpty() || (rest.size() == 1 && rest.get(0).isEmpty())) {
      return switch (method) {
        case "GET" -> appList(url);
        case "POST" -> createApp(r);
        default -> json(405, message("Method not allowed"));
      };
    }
    int n = rest.size();
    if (method.equals("GET") && rest.get(n - 1).equals("tasks")) {
      App app = apps.get(idOf(rest.subList(0, n - 1)));
      return app == null ? noSuchApp(idOf(rest.subList(0, n - 1))) : json(200, tasksOf(app));
    }
    if (method.equals("GET") && rest.get(n - 1).equals("versions")) {
      App app = apps.get(idOf(rest.subList(0, n - 1)));
      if (app == null) {
        return noSuchApp(idOf(rest.subList(0, n - 1)));
      }
      ObjectNode out = MAPPER.createObjectNode();
      ArrayNode versions = out.putArray("versions");
      List<String> newestFirst = new ArrayList<>(app.versions.keySet());
      Collections.reverse(newestFirst);
      newestFirst.forEach(versions::add);
      return json(200, out);
    }
    if (method.equals("GET") && n >= 2 && rest.get(n - 2).equals("versions")) {
      App app = apps.get(idOf(rest.subList(0, n - 2)));
      if (app == null) {
        return noSuchApp(idOf(rest.subList(0, n - 2)));
      }
      ObjectNode stored = app.versions.get(rest.get(n - 1));
      return stored == null
          ? json(404, message("App '" + app.id + "' does not exist in version " + rest.get(n - 1)))
          : json(200, stored);
    }
    String id = idOf(rest);
    return switch (method) {
      case "GET" -> {
        App app = apps.get(id);
        if (app == null) {
          yield noSuchApp(id);
        }
        ObjectNode out = MAPPER.createObjectNode();
        out.set("app", render(app, url.queryParameterValues("embed").contains("app.tasks")));
        yield json(200, out);
      }
      case "PUT" -> putApp(id, url, r);
      case "DELETE" -> deleteApp(id);
      default -> json(405, message("Method not allowed"));
    };
  }

  private MockResponse putApp(String id, HttpUrl url, RecordedRequest request) {
    JsonNode body;
    try {
      body = MAPPER.readTree(bodyOf(request));
    } catch (IOException e) {
      return invalidJson(e);
    }
    if (body == null || !body.isObject()) {
      return invalidJson(new IOException("expected a JSON object"));
    }
    App app = apps.get(id);
    boolean force = "true".equals(url.queryParameter("force"));
    List<String> holding = holding(id);
    if (!holding.isEmpty() && !force) {
      ObjectNode locked =
          message(
              "App is locked by one or more deployments. Override with the option '?force=true'."
                  + " View details at '/v2/deployments/<DEPLOYMENT_ID>'.");
      ArrayNode ids = locked.putArray("deployments");
      holding.forEach(d -> ids.addObject().put("id", d));
      return json(409, locked);
    }
    ObjectNode definition;
    if (body.size() == 1 && body.has("version")) {
      if (app == null) {
        return noSuchApp(id);
      }
      ObjectNode old = app.versions.get(body.get("version").asText());
      if (old == null) {
        return json(
            404,
            message("App '" + id + "' does not exist in version " + body.get("version").asText()));
      }
      // Marathon copies the stored definition into a new version; the old version stays stored
      definition = old.deepCopy();
      definition.remove(List.of("version", "versionInfo"));
    } else {
      boolean partial = !"false".equals(url.queryParameter("partialUpdate"));
      definition = app != null && partial ? app.definition.deepCopy() : MAPPER.createObjectNode();
      definition.setAll((ObjectNode) body);
      definition.remove(List.of("version", "versionInfo", "tasks", "deployments"));
      definition.put("id", id);
      if (!definition.has("instances")) {
        definition.put("instances", 1);
      }
      ArrayNode details = validate(definition);
      if (!details.isEmpty()) {
        ObjectNode invalid = message("Object is not valid");
        invalid.set("details", details);
        return json(422, invalid);
      }
    }
    holding.forEach(deployments::remove); // force=true cancels what held the app
    boolean created = app == null;
    if (created) {
      app = new App(id);
      apps.put(id, app);
    }
    Deployment deployment = startDeployment(app, definition, created);
    ObjectNode answer = MAPPER.createObjectNode();
    answer.put("deploymentId", deployment.id).put("version", deployment.version);
    return new MockResponse.Builder()
        .code(created ? 201 : 200)
        .setHeader("Content-Type", "application/json")
        .setHeader("Marathon-Deployment-Id", deployment.id)
        .body(answer.toString())
        .build();
  }

  private MockResponse createApp(RecordedRequest request) {
    JsonNode body;
    try {
      body = MAPPER.readTree(bodyOf(request));
    } catch (IOException e) {
      return invalidJson(e);
    }
    if (body == null || !body.isObject()) {
      return invalidJson(new IOException("expected a JSON object"));
    }
    String id = normalize(body.path("id").asText());
    if (apps.containsKey(id)) {
      return json(409, message("An app with id [" + id + "] already exists."));
    }
    ObjectNode definition = ((ObjectNode) body).deepCopy();
    definition.put("id", id);
    if (!definition.has("instances")) {
      definition.put("instances", 1);
    }
    ArrayNode details = validate(definition);
    if (!details.isEmpty()) {
      ObjectNode invalid = message("Object is not valid");
      invalid.set("details", details);
      return json(422, invalid);
    }
    App app = new App(id);
    apps.put(id, app);
    startDeployment(app, definition, true);
    return json(201, render(app, false));
  }

  private MockResponse deleteApp(String id) {
    App app = apps.remove(id);
    if (app == null) {
      return noSuchApp(id);
    }
    holding(id).forEach(deployments::remove);
    ObjectNode answer = MAPPER.createObjectNode();
    answer.put("deploymentId", UUID.randomUUID().toString()).put("version", nextVersion());
    return json(200, answer);
  }

  private MockResponse appList(HttpUrl url) {
    boolean embedTasks = url.queryParameterValues("embed").contains("apps.tasks");
    ObjectNode out = MAPPER.createObjectNode();
    ArrayNode list = out.putArray("apps");
    apps.values().forEach(a -> list.add(render(a, embedTasks)));
    return json(200, out);
  }

  private MockResponse deploymentsResource(String method, List<String> rest, HttpUrl url) {
    if (method.equals("GET") && (rest.isEmpty() || rest.get(0).isEmpty())) {
      ArrayNode list = MAPPER.createArrayNode();
      deployments.values().forEach(d -> list.add(render(d)));
      return json(200, list);
    }
    if (method.equals("DELETE") && rest.size() == 1) {
      Deployment deployment = deployments.remove(rest.get(0));
      if (deployment == null) {
        return json(404, message("DeploymentPlan " + rest.get(0) + " does not exist"));
      }
      if ("true".equals(url.queryParameter("force"))) {
        return new MockResponse.Builder().code(202).build();
      }
      App app = apps.get(deployment.appId);
      List<String> versions = new ArrayList<>(app.versions.keySet());
      int at = versions.indexOf(deployment.version);
      ObjectNode before = at > 0 ? app.versions.get(versions.get(at - 1)) : null;
      if (before == null) {
        apps.remove(app.id);
        ObjectNode answer = MAPPER.createObjectNode();
        answer.put("deploymentId", UUID.randomUUID().toString()).put("version", nextVersion());
        return json(200, answer);
      }
      Deployment reverse = startDeployment(app, before.deepCopy(), false);
      ObjectNode answer = MAPPER.createObjectNode();
      answer.put("deploymentId", reverse.id).put("version", reverse.version);
      return json(200, answer);
    }
    return json(405, message("Method not allowed"));
  }

  private Deployment startDeployment(App app, ObjectNode definition, boolean created) {
    String version = nextVersion();
    app.install(definition, version);
    Instant now = clock.instant();
    Instant healthyAt;
    String cause = neverHealthy.get(app.id);
    String image = definition.path("container").path("docker").path("image").asText("");
    for (Map.Entry<java.util.function.Predicate<String>, String> broken :
        imageNeverHealthy.entrySet()) {
      if (cause == null && !image.isEmpty() && broken.getKey().test(image)) {
        cause = broken.getValue();
      }
    }
    if (cause != null) {
      healthyAt = null;
    } else {
      healthyAt = now.plus(healthyAfter.getOrDefault(app.id, defaultHealthyAfter));
      cause = DEFAULT_CAUSE;
    }
    for (int i = 0; i < definition.path("instances").asInt(1); i++) {
      Task task = newTask(app.id, version, now, healthyAt, cause);
      app.tasks.add(task);
      ObjectNode update = MAPPER.createObjectNode();
      update.put("slaveId", "agent0").put("taskId", task.id).put("taskStatus", "TASK_RUNNING");
      update.put("message", "").put("appId", app.id).put("host", "127.0.0.1");
      update.putArray("ports").add(task.port);
      update.put("version", version);
      emit("status_update_event", update);
    }
    Deployment deployment =
        new Deployment(
            UUID.randomUUID().toString(),
            app.id,
            version,
            now,
            created ? "StartApplication" : "RestartApplication");
    deployments.put(deployment.id, deployment);
    return deployment;
  }

  /** Ends every deployment whose time is up and whose new tasks are all healthy. */
  private void tick() {
    Instant now = clock.instant();
    if (!streams.isEmpty()) {
      announceHealth(now);
    }
    List<Deployment> ended = new ArrayList<>();
    deployments
        .values()
        .removeIf(
            d -> {
              App app = apps.get(d.appId);
              if (app == null) {
                return true;
              }
              if (now.isBefore(d.startedAt.plus(deploymentDuration))) {
                return false;
              }
              List<Task> fresh =
                  app.tasks.stream().filter(t -> t.version.equals(d.version)).toList();
              boolean ready =
                  fresh.size() >= app.definition.path("instances").asInt(1)
                      && fresh.stream().allMatch(t -> !app.hasHealthChecks() || t.healthy(now));
              if (ready) {
                app.tasks.removeIf(t -> !t.version.equals(d.version));
                ended.add(d);
              }
              return ready;
            });
    for (Deployment d : ended) {
      ObjectNode success = MAPPER.createObjectNode();
      success.put("id", d.id);
      ObjectNode plan = success.putObject("plan");
      plan.put("id", d.id).put("version", d.version);
      plan.putObject("target").putArray("apps").addObject().put("id", d.appId);
      emit("deployment_success", success);
    }
  }

  /**
   * A health_status_changed_event for each task of an app with health checks that turned healthy.
   */
  private void announceHealth(Instant now) {
    for (App app : apps.values()) {
      if (!app.hasHealthChecks()) {
        continue;
      }
      for (Task task : app.tasks) {
        if (task.healthy(now) && announcedHealthy.add(task.id)) {
          ObjectNode changed = MAPPER.createObjectNode();
          changed.put("appId", app.id).put("instanceId", task.id).put("taskId", task.id);
          changed.put("version", task.version).put("alive", true);
          emit("health_status_changed_event", changed);
        }
      }
    }
  }

  private void emit(String type, ObjectNode event) {
    if (streams.isEmpty()) {
      return;
    }
    event.put("eventType", type).put("timestamp", VERSION.format(clock.instant()));
    String text = "event: " + type + "\ndata: " + event + "\n\n";
    streams.forEach(stream -> stream.offer(type, text));
  }

  private MockResponse events(HttpUrl url) {
    if (eventsUnavailable) {
      return json(503, message("event stream unavailable"));
    }
    EventStream stream = new EventStream(Set.copyOf(url.queryParameterValues("event_type")));
    ObjectNode attached = MAPPER.createObjectNode();
    attached.put("remoteAddress", "127.0.0.1").put("eventType", "event_stream_attached");
    attached.put("timestamp", VERSION.format(clock.instant()));
    stream.offer(
        "event_stream_attached", "event: event_stream_attached\ndata: " + attached + "\n\n");
    streams.add(stream);
    startPump();
    return new MockResponse.Builder()
        .code(200)
        .setHeader("Content-Type", "text/event-stream")
        .setHeader("Cache-Control", "no-cache")
        .setHeader("Transfer-Encoding", "chunked")
        .body(stream)
        .removeHeader("Content-Length")
        .build();
  }

  /** Notices health changes and ended deployments while nobody asks (events must come anyway). */
  private void startPump() {
    if (pump != null) {
      return;
    }
    pump =
        new Thread(
            () -> {
              while (!closed) {
                synchronized (this) {
                  if (!streams.isEmpty()) {
                    tick();
                  }
                }
                try {
                  Thread.sleep(2);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "marathon-simulator-events");
    pump.setDaemon(true);
    pump.start();
  }

  /** One open {@code /v2/events} response: chunks written as events arrive. */
  private final class EventStream implements MockResponseBody {
    private static final String END = "";
    private final Set<String> types;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();

    EventStream(Set<String> types) {
      this.types = types;
    }

    void offer(String type, String text) {
      if (type.equals("event_stream_attached") || types.isEmpty() || types.contains(type)) {
        queue.add(text);
      }
    }

    void end() {
      queue.add(END);
    }

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      try {
        while (!closed) {
          String next = queue.poll(100, TimeUnit.MILLISECONDS);
          if (next == null) {
            continue;
          }
          if (next.isEmpty()) {
            break;
          }
          byte[] bytes = next.getBytes(StandardCharsets.UTF_8);
          sink.writeUtf8(Integer.toHexString(bytes.length)).writeUtf8("\r\n");
          sink.write(bytes).writeUtf8("\r\n");
          sink.flush();
        }
        sink.writeUtf8("0\r\n\r\n");
        sink.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException gone) {
        // the client went away
      } finally {
        synchronized (MarathonSimulator.this) {
          streams.remove(this);
        }
      }
    }
  }

  private List<String> holding(String appId) {
    return deployments.values().stream().filter(d -> d.appId.equals(appId)).map(d -> d.id).toList();
  }

  private ArrayNode validate(ObjectNode app) {
    ArrayNode details = MAPPER.createArrayNode();
    String id = app.path("id").asText();
    for (String segment : id.substring(1).split("/", -1)) {
      if (!ID_SEGMENT.matcher(segment).matches()) {
        detail(
            details, "/id", "must fully match regular expression '" + ID_SEGMENT.pattern() + "'");
        break;
      }
    }
    JsonNode instances = app.path("instances");
    if (!instances.canConvertToInt() || !instances.isIntegralNumber()) {
      detail(details, "/instances", "error.expected.jsnumber");
    } else if (instances.asInt() < 0) {
      detail(details, "/instances", "got " + instances.asInt() + ", expected 0 or more");
    }
    JsonNode container = app.path("container");
    if (container.isObject()
        && ("DOCKER".equals(container.path("type").asText("DOCKER")) || container.has("docker"))) {
      if (container.path("docker").path("image").asText("").isBlank()) {
        detail(details, "/container/docker/image", "must not be empty");
      }
    }
    if (!app.has("cmd") && !app.has("args") && !container.isObject()) {
      detail(
          details,
          "/",
          "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.");
    }
    return details;
  }

  private static void detail(ArrayNode details, String path, String error) {
    ObjectNode d = details.addObject();
    d.put("path", path);
    d.putArray("errors").add(error);
  }

  private ObjectNode render(App app, boolean embedTasks) {
    Instant now = clock.instant();
    boolean checks = app.hasHealthChecks();
    ObjectNode out = app.definition.deepCopy();
    out.put("version", app.version);
    ObjectNode info = out.putObject("versionInfo");
    info.put("lastScalingAt", app.version).put("lastConfigChangeAt", app.version);
    long healthy = checks ? app.tasks.stream().filter(t -> t.healthy(now)).count() : 0;
    long unhealthy = checks ? app.tasks.size() - healthy : 0;
    out.put("tasksStaged", 0);
    out.put("tasksRunning", app.tasks.size());
    out.put("tasksHealthy", healthy);
    out.put("tasksUnhealthy", unhealthy);
    ArrayNode ids = out.putArray("deployments");
    holding(app.id).forEach(d -> ids.addObject().put("id", d));
    if (embedTasks) {
      out.set("tasks", tasksOf(app).get("tasks"));
    }
    return out;
  }

  private ObjectNode tasksOf(App app) {
    Instant now = clock.instant();
    ObjectNode out = MAPPER.createObjectNode();
    ArrayNode list = out.putArray("tasks");
    for (Task task : app.tasks) {
      ObjectNode t = list.addObject();
      t.put("appId", app.id).put("host", "127.0.0.1").put("id", task.id);
      t.putArray("ports").add(task.port);
      t.put("slaveId", "agent0");
      t.put("stagedAt", VERSION.format(task.startedAt));
      t.put("startedAt", VERSION.format(task.startedAt));
      t.put("version", task.version).put("state", "TASK_RUNNING");
      t.put("region", "primary").put("zone", "a").put("role", "*");
      if (app.hasHealthChecks()) {
        ArrayNode results = t.putArray("healthCheckResults");
        ObjectNode result = results.addObject();
        boolean alive = task.healthy(now);
        result.put("alive", alive);
        result.put("consecutiveFailures", alive ? 0 : 1);
        result.put("taskId", task.id).put("instanceId", task.id);
        if (alive) {
          result.put("firstSuccess", VERSION.format(task.healthyAt));
          result.put("lastSuccess", VERSION.format(now));
          result.putNull("lastFailure");
        } else {
          result.putNull("firstSuccess").putNull("lastSuccess");
          result.put("lastFailure", VERSION.format(now));
          result.put("lastFailureCause", task.cause);
        }
      }
    }
    return out;
  }

  private ObjectNode render(Deployment d) {
    ObjectNode out = MAPPER.createObjectNode();
    out.put("id", d.id).put("version", d.version);
    out.putArray("affectedApps").add(d.appId);
    out.putArray("affectedPods");
    ObjectNode action = MAPPER.createObjectNode().put("action", d.action).put("app", d.appId);
    out.putArray("steps").addObject().putArray("actions").add(action);
    ObjectNode current = action.deepCopy();
    current.putArray("readinessCheckResults");
    out.putArray("currentActions").add(current);
    out.put("currentStep", 1).put("totalSteps", 1);
    return out;
  }

  private ObjectNode info() {
    ObjectNode info = MAPPER.createObjectNode();
    info.put("name", "marathon").put("version", "1.7.0-simulator").put("elected", true);
    info.put("leader", server.getHostName() + ":" + server.getPort());
    return info;
  }

  private Task newTask(String appId, String version, Instant at, Instant healthyAt, String cause) {
    int n = ++taskCounter;
    String id = appId.substring(1).replace('/', '_') + ".instance-" + UUID.randomUUID();
    return new Task(id, version, at, healthyAt, cause, 31000 + n);
  }

  private String nextVersion() {
    Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    if (lastVersion != null && !at.isAfter(lastVersion)) {
      at = lastVersion.plusMillis(1);
    }
    lastVersion = at;
    return VERSION.format(at);
  }

  private static String idOf(List<String> segments) {
    return normalize(String.join("/", segments));
  }

  private static String normalize(String id) {
    String trimmed = id.endsWith("/") ? id.substring(0, id.length() - 1) : id;
    return trimmed.startsWith("/") ? trimmed : "/" + trimmed;
  }

  private static String decodedPath(HttpUrl url) {
    return "/" + String.join("/", url.pathSegments());
  }

  private static String bodyOf(RecordedRequest request) {
    return request.getBody() == null ? "" : request.getBody().utf8();
  }

  private static JsonNode parseQuietly(RecordedRequest request) {
    try {
      return MAPPER.readTree(bodyOf(request));
    } catch (IOException e) {
      return MAPPER.getNodeFactory().textNode(bodyOf(request));
    }
  }

  private MockResponse noSuchApp(String id) {
    return json(404, message("App '" + id + "' does not exist"));
  }

  private static MockResponse invalidJson(IOException e) {
    ObjectNode answer = message("Invalid JSON");
    ObjectNode d = answer.putArray("details").addObject();
    d.put("path", "/");
    d.putArray("errors").add(String.valueOf(e.getMessage()));
    return json(400, answer);
  }

  private static ObjectNode message(String text) {
    return MAPPER.createObjectNode().put("message", text);
  }

  private static MockResponse json(int code, JsonNode body) {
    return new MockResponse.Builder()
        .code(code)
        .setHeader("Content-Type", "application/json")
        .body(body.toString())
        .build();
  }

  private static final class App {
    final String id;
    final LinkedHashMap<String, ObjectNode> versions = new LinkedHashMap<>();
    final List<Task> tasks = new ArrayList<>();
    ObjectNode definition;
    String version;

    App(String id) {
      this.id = id;
    }

    void install(ObjectNode definition, String version) {
      this.definition = definition;
      this.version = version;
      ObjectNode stored = definition.deepCopy();
      stored.put("version", version);
      versions.put(version, stored);
    }

    boolean hasHealthChecks() {
      return definition.path("healthChecks").size() > 0;
    }
  }

  private record Task(
      String id, String version, Instant startedAt, Instant healthyAt, String cause, int port) {
    boolean healthy(Instant now) {
      return healthyAt != null && !now.isBefore(healthyAt);
    }
  }

  private record Deployment(
      String id, String appId, String version, Instant startedAt, String action) {}
}
