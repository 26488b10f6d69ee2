package dev.conveyor.activities.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.marathon.MarathonClient.AppStatus;
import dev.conveyor.activities.marathon.MarathonClient.DeploymentInfo;
import dev.conveyor.activities.simulators.MarathonSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The client against Marathon's recorded answers (served as they are by a plain MockWebServer), and
 * the simulator's answers checked against the same recordings, so both speak Marathon.
 */
class MarathonClientTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @StartStop private final MockWebServer server = new MockWebServer();

  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

  private MarathonClient client() {
    return new MarathonClient(server.url("/"), http, null);
  }

  private static String recorded(String name) throws Exception {
    Path file = RecordedExamples.file(name);
    Assumptions.assumeTrue(
        file != null, "shared/reference/marathon/examples/" + name + " not found: skipped");
    return Files.readString(file);
  }

  @Test
  void readsTheRecordedDeploymentsList() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).body(recorded("deployments.json")).build());

    List<DeploymentInfo> deployments = client().deployments();

    assertThat(deployments)
        .containsExactly(
            new DeploymentInfo(
                "97c136bf-5a28-4821-9d94-480d9fbb01c8",
                "2015-09-30T09:09:17.614Z",
                List.of("/foo")));
  }

  @Test
  void readsTheRecordedTasksOfAnApp() throws Exception {
    ObjectNode app = (ObjectNode) MAPPER.readTree(recorded("app.json"));
    app.set("tasks", MAPPER.readTree(recorded("app_tasks.json")).path("tasks"));
    app.put("version", "2015-04-17T04:00:14.171Z").put("tasksRunning", 1).put("tasksHealthy", 0);
    ObjectNode answer = MAPPER.createObjectNode();
    answer.set("app", app);
    server.enqueue(new MockResponse.Builder().code(200).body(answer.toString()).build());

    AppStatus status = client().app("/foo").orElseThrow();

    assertThat(status.image()).isEqualTo("mesosphere:marathon/latest");
    assertThat(status.instances()).isEqualTo(2);
    assertThat(status.hasHealthChecks()).isTrue();
    assertThat(status.configVersion()).isEqualTo("2015-04-17T04:00:14.171Z");
    assertThat(status.tasks()).hasSize(1);
    assertThat(status.tasks().get(0).state()).isEqualTo("TASK_STAGING");
    assertThat(status.tasks().get(0).version()).isEqualTo("2015-04-17T04:00:14.171Z");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/v2/apps/foo?embed=app.tasks");
  }

  @Test
  void readsTheRecordedDeploymentResult() throws Exception {
    server.enqueue(
        new MockResponse.Builder().code(200).body(recorded("deployments_result.json")).build());

    MarathonClient.DeploymentRef ref =
        client().putApp("/foo", (ObjectNode) MAPPER.readTree(recorded("app.json")), false);

    assertThat(ref)
        .isEqualTo(
            new MarathonClient.DeploymentRef(
                "5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43", "2015-09-29T15:59:51.164Z"));
  }

  @Test
  void anAbsentAppIsEmptyNotAnError() {
    server.enqueue(
        new MockResponse.Builder()
            .code(404)
            .body("{\"message\":\"App '/foo' does not exist\"}")
            .build());

    assertThat(client().app("/foo")).isEmpty();
  }

  @Test
  void aLockedAppCarriesTheBlockingDeployments() {
    server.enqueue(
        new MockResponse.Builder()
            .code(409)
            .body(
                "{\"message\":\"App is locked by one or more deployments.\","
                    + "\"deployments\":[{\"id\":\"d-1\"},{\"id\":\"d-2\"}]}")
            .build());

    assertThatThrownBy(() -> client().putApp("/foo", MAPPER.createObjectNode(), false))
        .isInstanceOfSatisfying(
            MarathonException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.deploymentIds()).containsExactly("d-1", "d-2");
              assertThat(e.permanent()).isFalse();
            });
  }

  @Test
  void olderValidationDetailsAreReadToo() {
    server.enqueue(
        new MockResponse.Builder()
            .code(422)
            .body(
                "{\"message\":\"Object is not valid\",\"details\":"
                    + "[{\"attribute\":\"instances\",\"error\":\"must be positive\"}]}")
            .build());

    assertThatThrownBy(() -> client().putApp("/foo", MAPPER.createObjectNode(), false))
        .isInstanceOfSatisfying(
            MarathonException.class,
            e -> {
              assertThat(e.details()).containsExactly("instances: must be positive");
              assertThat(e.permanent()).isTrue();
            });
  }

  @Test
  void aNonJsonErrorPageKeepsItsText() {
    server.enqueue(new MockResponse.Builder().code(502).body("Bad Gateway from the proxy").build());

    assertThatThrownBy(() -> client().deployments())
        .isInstanceOfSatisfying(MarathonException.class, e -> assertThat(e.status()).isEqualTo(502))
        .hasMessageContaining("Bad Gateway from the proxy");
  }

  @Test
  void theSimulatorsDeploymentsAndTasksHaveTheRecordedShape() throws Exception {
    JsonNode recordedDeployment = MAPPER.readTree(recorded("deployments.json")).get(0);
    JsonNode recordedTask = MAPPER.readTree(recorded("app_tasks.json")).path("tasks").get(0);
    try (MarathonSimulator marathon = MarathonSimulator.start()) {
      marathon.tasksNeverHealthy("/foo", "still starting");
      MarathonClient client = new MarathonClient(okhttp3.HttpUrl.get(marathon.url()), http, null);
      client.putApp("/foo", (ObjectNode) MAPPER.readTree(recorded("app.json")), false);

      JsonNode deployment =
          MAPPER
              .readTree(
                  http.newCall(get(marathon.url() + "/v2/deployments")).execute().body().string())
              .get(0);
      JsonNode task =
          MAPPER
              .readTree(
                  http.newCall(get(marathon.url() + "/v2/apps/foo/tasks"))
                      .execute()
                      .body()
                      .string())
              .path("tasks")
              .get(0);

      assertThat(fieldNames(deployment)).containsAll(fieldNames(recordedDeployment));
      assertThat(fieldNames(task))
          .containsAll(fieldNames(recordedTask))
          .contains("healthCheckResults");
    }
  }

  private static okhttp3.Request get(String url) {
    return new okhttp3.Request.Builder().url(url).build();
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
