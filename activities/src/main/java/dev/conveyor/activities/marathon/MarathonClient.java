package dev.conveyor.activities.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The few Marathon REST v2 calls Conveyor needs. Every call has the {@link OkHttpClient}'s
 * timeouts; every non-2xx answer becomes a {@link MarathonException} with the status and Marathon's
 * own message and details. The {@code Authorization} header (Basic or DC/OS {@code token=}) comes
 * from worker settings and is never logged.
 */
final class MarathonClient {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpUrl base;
  private final OkHttpClient http;
  private final String authorization;

  MarathonClient(HttpUrl base, OkHttpClient http, String authorization) {
    this.base = base;
    this.http = http;
    this.authorization = authorization;
  }

  HttpUrl base() {
    return base;
  }

  /** {@code GET /v2/apps/{id}?embed=app.tasks}; empty when Marathon has no such app (404). */
  Optional<AppStatus> app(String id) {
    HttpUrl url = appUrl(id).addQueryParameter("embed", "app.tasks").build();
    JsonNode body = call(new Request.Builder().url(url).get(), "GET " + path(id), true);
    if (body != null && !body.path("app").isObject()) {
      // Read as "no image" it would lead to a PUT into whatever answered: fail (transiently, a
      // proxy's page may go away) before anything is sent.
      throw new MarathonException(
          "Marathon at "
              + base
              + " answered GET "
              + path(id)
              + " with JSON that has no 'app' object (is marathon.url Marathon's REST API?)",
          null);
    }
    return body == null ? Optional.empty() : Optional.of(AppStatus.from(body.path("app")));
  }

  /**
   * {@code PUT /v2/apps/{id}?force=&partialUpdate=false}: the body is the whole definition, so a
   * field removed from the committed file is removed on Marathon too.
   */
  DeploymentRef putApp(String id, ObjectNode app, boolean force) {
    HttpUrl url =
        appUrl(id)
            .addQueryParameter("force", Boolean.toString(force))
            .addQueryParameter("partialUpdate", "false")
            .build();
    byte[] bytes = app.toString().getBytes(StandardCharsets.UTF_8);
    JsonNode body =
        call(
            new Request.Builder().url(url).put(RequestBody.create(bytes, JSON)),
            "PUT " + path(id),
            false);
    return new DeploymentRef(body.path("deploymentId").asText(), body.path("version").asText());
  }

  /**
   * {@code GET /v2/apps/{id}/versions/{version}}: the definition Marathon stored for that version;
   * empty when Marathon knows no such app or version (404).
   */
  Optional<JsonNode> appVersion(String id, String version) {
    HttpUrl url = appUrl(id).addPathSegment("versions").addPathSegment(version).build();
    JsonNode body =
        call(
            new Request.Builder().url(url).get(), "GET " + path(id) + "/versions/" + version, true);
    return Optional.ofNullable(body);
  }

  /**
   * {@code PUT /v2/apps/{id}?force=} with {@code {"version": v}}: Marathon makes a new version from
   * the stored one and rolls it out (404 when it knows no such version). No {@code partialUpdate}:
   * the body is not a definition.
   */
  DeploymentRef putVersion(String id, String version, boolean force) {
    HttpUrl url = appUrl(id).addQueryParameter("force", Boolean.toString(force)).build();
    ObjectNode rollback = MAPPER.createObjectNode().put("version", version);
    byte[] bytes = rollback.toString().getBytes(StandardCharsets.UTF_8);
    JsonNode body =
        call(
            new Request.Builder().url(url).put(RequestBody.create(bytes, JSON)),
            "PUT " + path(id) + " {\"version\": \"" + version + "\"}",
            false);
    return new DeploymentRef(body.path("deploymentId").asText(), body.path("version").asText());
  }

  /** {@code GET /v2/deployments}: the deployments still running. */
  List<DeploymentInfo> deployments() {
    HttpUrl url = base.newBuilder().addPathSegments("v2/deployments").build();
    JsonNode body = call(new Request.Builder().url(url).get(), "GET /v2/deployments", false);
    List<DeploymentInfo> out = new ArrayList<>();
    for (JsonNode d : body) {
      out.add(
          new DeploymentInfo(
              d.path("id").asText(), d.path("version").asText(), texts(d.path("affectedApps"))));
    }
    return out;
  }

  private JsonNode call(Request.Builder builder, String what, boolean absentIsEmpty) {
    builder.header("Accept", "application/json");
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    try (Response response = http.newCall(builder.build()).execute()) {
      String text = response.body().string();
      if (response.code() == 404 && absentIsEmpty) {
        return null;
      }
      if (!response.isSuccessful()) {
        throw failure(response.code(), what, text);
      }
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new MarathonException(
          "Marathon at " + base + " did not answer " + what + ": " + e.getMessage(), e);
    }
  }

  private MarathonException failure(int status, String what, String text) {
    String said = null;
    List<String> details = new ArrayList<>();
    List<String> deploymentIds = new ArrayList<>();
    try {
      JsonNode body = MAPPER.readTree(text);
      if (body != null && body.isObject()) {
        said = body.path("message").isTextual() ? body.path("message").asText() : null;
        for (JsonNode detail : body.path("details")) {
          // 1.4+: {path, errors[]}; older: {attribute, error}
          String at =
              detail.has("path")
                  ? detail.path("path").asText()
                  : detail.path("attribute").asText("/");
          if (detail.path("errors").isArray()) {
            for (JsonNode error : detail.path("errors")) {
              details.add(at + ": " + error.asText());
            }
          } else if (detail.has("error")) {
            details.add(at + ": " + detail.path("error").asText());
          }
        }
        for (JsonNode d : body.path("deployments")) {
          deploymentIds.add(d.path("id").asText());
        }
      }
    } catch (IOException notJson) {
      said = text.isBlank() ? null : abbreviate(text.trim());
    }
    StringBuilder message =
        new StringBuilder("Marathon at ")
            .append(base)
            .append(" answered HTTP ")
            .append(status)
            .append(" to ")
            .append(what);
    if (said != null) {
      message.append(": ").append(said);
    }
    for (String detail : details) {
      message.append('\n').append(detail);
    }
    return new MarathonException(status, message.toString(), said, details, deploymentIds);
  }

  private HttpUrl.Builder appUrl(String id) {
    return base.newBuilder().addPathSegments("v2/apps").addPathSegments(stripSlash(id));
  }

  private static String path(String id) {
    return "/v2/apps/" + stripSlash(id);
  }

  private static String stripSlash(String id) {
    return id.startsWith("/") ? id.substring(1) : id;
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** {@code deploymentId} and {@code version} of an accepted change. */
  record DeploymentRef(String deploymentId, String version) {}

  record DeploymentInfo(String id, String version, List<String> affectedApps) {}

  /** One health check's latest result for a task. */
  record HealthResult(boolean alive, int consecutiveFailures, String lastFailureCause) {}

  record TaskStatus(
      String id, String version, String state, List<HealthResult> healthCheckResults) {
    static TaskStatus from(JsonNode task) {
      List<HealthResult> results = new ArrayList<>();
      for (JsonNode r : task.path("healthCheckResults")) {
        results.add(
            new HealthResult(
                r.path("alive").asBoolean(false),
                r.path("consecutiveFailures").asInt(0),
                r.path("lastFailureCause").isTextual()
                    ? r.path("lastFailureCause").asText()
                    : null));
      }
      return new TaskStatus(
          task.path("id").asText(),
          task.path("version").asText(),
          task.path("state").asText(),
          results);
    }
  }

  /**
   * What {@code GET /v2/apps/{id}?embed=app.tasks} says about an app.
   *
   * @param configVersion {@code versionInfo.lastConfigChangeAt} (the version of the definition the
   *     tasks should run), else {@code version}
   */
  record AppStatus(
      String id,
      String image,
      int instances,
      int tasksRunning,
      int tasksHealthy,
      String version,
      String configVersion,
      List<String> deploymentIds,
      boolean hasHealthChecks,
      List<TaskStatus> tasks) {
    static AppStatus from(JsonNode app) {
      List<String> deployments = new ArrayList<>();
      app.path("deployments").forEach(d -> deployments.add(d.path("id").asText()));
      List<TaskStatus> tasks = new ArrayList<>();
      app.path("tasks").forEach(t -> tasks.add(TaskStatus.from(t)));
      String version = app.path("version").asText();
      return new AppStatus(
          app.path("id").asText(),
          app.path("container").path("docker").path("image").asText(null),
          app.path("instances").asInt(1),
          app.path("tasksRunning").asInt(0),
          app.path("tasksHealthy").asInt(0),
          version,
          app.path("versionInfo").path("lastConfigChangeAt").asText(version),
          deployments,
          app.path("healthChecks").size() > 0,
          tasks);
    }
  }
}
