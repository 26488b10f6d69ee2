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

/**
 * The simulator's {@code PUT /v2/apps/{id}} {@code {"version": v}}: a new version from a stored
 * one, the old versions kept, 404 for an unknown version; and the per-image health fault.
 */
class MarathonSimulatorVersionTests {
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

  private JsonNode[] call(String method, String path, String body) throws IOException {
    RequestBody content =
        body == null ? null : RequestBody.create(body, MediaType.get("application/json"));
    Request request =
        new Request.Builder().url(marathon.url() + path).method(method, content).build();
    try (Response response = http.newCall(request).execute()) {
      String text = response.body().string();
      return new JsonNode[] {
        MAPPER.getNodeFactory().numberNode(response.code()),
        text.isEmpty() ? null : MAPPER.readTree(text)
      };
    }
  }

  @Test
  void puttingAStoredVersionMakesANewVersionWithItsDefinitionAndKeepsTheOldOnes() throws Exception {
    String v1 = call("PUT", "/v2/apps/web", V1)[1].path("version").asText();
    clock.advance(Duration.ofSeconds(1));
    String v2 = call("PUT", "/v2/apps/web", V2)[1].path("version").asText();
    clock.advance(Duration.ofSeconds(1));

    JsonNode[] rollback = call("PUT", "/v2/apps/web?force=true", "{\"version\":\"" + v1 + "\"}");

    assertThat(rollback[0].asInt()).isEqualTo(200);
    String v3 = rollback[1].path("version").asText();
    assertThat(v3).isNotIn(v1, v2);
    assertThat(marathon.version("/web")).contains(v3);
    JsonNode app = call("GET", "/v2/apps/web?embed=app.tasks", null)[1].path("app");
    assertThat(app.at("/container/docker/image").asText()).isEqualTo("web@sha256:1");
    assertThat(app.path("version").asText()).isEqualTo(v3);
    assertThat(app.path("tasks"))
        .allSatisfy(t -> assertThat(t.path("version").asText()).isEqualTo(v3));
    JsonNode versions = call("GET", "/v2/apps/web/versions", null)[1].path("versions");
    assertThat(versions).extracting(JsonNode::asText).containsExactly(v3, v2, v1);
    assertThat(marathon.definition("/web").orElseThrow().has("version"))
        .as("the stored definition is copied, not its version stamp")
        .isFalse();
  }

  @Test
  void anUnknownVersionIs404AndChangesNothing() throws Exception {
    String v1 = call("PUT", "/v2/apps/web", V1)[1].path("version").asText();

    JsonNode[] missing = call("PUT", "/v2/apps/web", "{\"version\":\"1999-01-01T00:00:00.000Z\"}");
    JsonNode[] noApp = call("PUT", "/v2/apps/other", "{\"version\":\"" + v1 + "\"}");
    JsonNode[] getMissing = call("GET", "/v2/apps/web/versions/1999-01-01T00:00:00.000Z", null);

    assertThat(missing[0].asInt()).isEqualTo(404);
    assertThat(missing[1].path("message").asText()).contains("does not exist in version");
    assertThat(noApp[0].asInt()).isEqualTo(404);
    assertThat(getMissing[0].asInt()).isEqualTo(404);
    assertThat(marathon.version("/web")).contains(v1);
  }

  @Test
  void aBrokenImageNeverTurnsHealthyWhileTheOtherImagesOfTheAppDo() throws Exception {
    marathon.imageNeverHealthy("sha256:2", "HTTP 500 from /health");
    String v1 = call("PUT", "/v2/apps/web", V1)[1].path("version").asText();
    clock.advance(Duration.ofSeconds(1));
    call("PUT", "/v2/apps/web", V2);
    clock.advance(Duration.ofSeconds(30));

    assertThat(marathon.activeDeployments()).as("the broken rollout never ends").hasSize(1);
    JsonNode tasks = call("GET", "/v2/apps/web/tasks", null)[1].path("tasks");
    assertThat(tasks.findValuesAsText("lastFailureCause")).contains("HTTP 500 from /health");

    call("PUT", "/v2/apps/web?force=true", "{\"version\":\"" + v1 + "\"}");
    clock.advance(Duration.ofSeconds(1));

    assertThat(marathon.activeDeployments()).isEmpty();
    JsonNode app = call("GET", "/v2/apps/web", null)[1].path("app");
    assertThat(app.path("tasksHealthy").asInt()).isEqualTo(1);
    assertThat(app.path("tasksRunning").asInt()).isEqualTo(1);
  }
}
