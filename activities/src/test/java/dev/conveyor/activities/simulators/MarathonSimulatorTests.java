package dev.conveyor.activities.simulators;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The parts of the simulator the target tests do not reach: versions, rollback, cancel, POST. */
class MarathonSimulatorTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String V1 =
      "{\"id\":\"/web\",\"instances\":1,\"container\":{\"type\":\"DOCKER\",\"docker\":{\"image\":\"web@sha256:1\"}},"
          + "\"healthChecks\":[{\"protocol\":\"HTTP\",\"path\":\"/\"}]}";
  private static final String V2 = V1.replace("sha256:1", "sha256:2");

  private final SimClock clock = new SimClock();
  private final MarathonSimulator marathon = MarathonSimulator.start(clock);
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    marathon.close();
  }

  private Answer call(String method, String path, String body) throws IOException {
    RequestBody content =
        body == null ? null : RequestBody.create(body, MediaType.get("application/json"));
    Request request =
        new Request.Builder().url(marathon.url() + path).method(method, content).build();
    try (Response response = http.newCall(request).execute()) {
      String text = response.body().string();
      return new Answer(response.code(), text.isEmpty() ? null : MAPPER.readTree(text));
    }
  }

  private record Answer(int code, JsonNode json) {}

  @Test
  void createThenUpdateAnswer201Then200AndListVersionsNewestFirst() throws Exception {
    Answer created = call("PUT", "/v2/apps/web", V1);
    clock.advance(Duration.ofSeconds(1));
    Answer updated = call("PUT", "/v2/apps/web", V2);

    assertThat(created.code()).isEqualTo(201);
    assertThat(updated.code()).isEqualTo(200);
    JsonNode versions = call("GET", "/v2/apps/web/versions", null).json().path("versions");
    assertThat(versions).hasSize(2);
    assertThat(versions.get(0).asText()).isEqualTo(updated.json().path("version").asText());
    JsonNode old = call("GET", "/v2/apps/web/versions/" + versions.get(1).asText(), null).json();
    assertThat(old.at("/container/docker/image").asText()).isEqualTo("web@sha256:1");
  }

  @Test
  void puttingAnOldVersionRollsBackToItsDefinition() throws Exception {
    String v1 = call("PUT", "/v2/apps/web", V1).json().path("version").asText();
    call("PUT", "/v2/apps/web", V2);

    Answer rollback = call("PUT", "/v2/apps/web", "{\"version\":\"" + v1 + "\"}");

    assertThat(rollback.code()).isEqualTo(200);
    assertThat(marathon.definition("/web").orElseThrow().at("/container/docker/image").asText())
        .isEqualTo("web@sha256:1");
    assertThat(call("PUT", "/v2/apps/web", "{\"version\":\"1999-01-01T00:00:00.000Z\"}").code())
        .isEqualTo(404);
  }

  @Test
  void aDeploymentIsListedUntilItsTasksAreHealthyAndCanBeCancelled() throws Exception {
    marathon.tasksHealthyAfter(Duration.ofSeconds(5));
    String id = call("PUT", "/v2/apps/web", V1).json().path("deploymentId").asText();

    JsonNode app = call("GET", "/v2/apps/web?embed=app.tasks", null).json().path("app");
    assertThat(app.path("deployments").get(0).path("id").asText()).isEqualTo(id);
    assertThat(app.path("tasksHealthy").asInt()).isZero();
    assertThat(app.path("tasks").get(0).path("healthCheckResults").get(0).path("alive").asBoolean())
        .isFalse();
    clock.advance(Duration.ofSeconds(5));
    assertThat(call("GET", "/v2/deployments", null).json()).isEmpty();

    String second = call("PUT", "/v2/apps/web", V2).json().path("deploymentId").asText();
    assertThat(call("PUT", "/v2/apps/web", V1).code()).isEqualTo(409);
    assertThat(call("DELETE", "/v2/deployments/" + second + "?force=true", null).code())
        .isEqualTo(202);
    assertThat(marathon.activeDeployments()).isEmpty();
  }

  @Test
  void postCreatesAndRefusesADuplicateAndInvalidBodies() throws Exception {
    assertThat(call("POST", "/v2/apps", V1).code()).isEqualTo(201);
    assertThat(call("POST", "/v2/apps", V1).code()).isEqualTo(409);
    assertThat(call("PUT", "/v2/apps/web", "{not json").code()).isEqualTo(400);
    Answer invalid = call("PUT", "/v2/apps/web?partialUpdate=false", "{\"instances\":-2}");
    assertThat(invalid.code()).isEqualTo(422);
    assertThat(invalid.json().path("details").findValuesAsText("path")).contains("/instances", "/");
  }
}
