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

/** The simulator against the documented API, spoken to with plain HTTP. */
class ChronosSimulatorTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SCHEDULED =
      "{\"name\":\"report\",\"command\":\"/report\",\"schedule\":\"R/2030-01-01T00:00:00Z/PT2H\","
          + "\"container\":{\"type\":\"DOCKER\",\"image\":\"r/report@sha256:1\"}}";
  private static final String DEPENDENT =
      "{\"name\":\"mail\",\"command\":\"/mail\",\"parents\":[\"report\"],"
          + "\"container\":{\"type\":\"DOCKER\",\"image\":\"r/mail@sha256:1\"}}";

  private final SimClock clock = new SimClock();
  private ChronosSimulator chronos = ChronosSimulator.start(clock, ChronosSimulator.V3);
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    chronos.close();
  }

  private Answer call(String method, String path, String body) throws IOException {
    RequestBody content =
        body == null
            ? (method.equals("PUT") || method.equals("POST")
                ? RequestBody.create(new byte[0], null)
                : null)
            : RequestBody.create(body, MediaType.get("application/json"));
    Request request =
        new Request.Builder().url(chronos.url() + path).method(method, content).build();
    try (Response response = http.newCall(request).execute()) {
      return new Answer(response.code(), response.body().string());
    }
  }

  private record Answer(int code, String body) {
    JsonNode json() throws IOException {
      return MAPPER.readTree(body);
    }
  }

  private JsonNode listed(String name) throws IOException {
    for (JsonNode job : call("GET", "/v1/scheduler/jobs", null).json()) {
      if (job.path("name").asText().equals(name)) {
        return job;
      }
    }
    return null;
  }

  @Test
  void upsertsAnswer204AndTheListingShowsTheJobWithEmptyStatistics() throws Exception {
    assertThat(call("POST", "/v1/scheduler/iso8601", SCHEDULED).code()).isEqualTo(204);
    assertThat(
            call("POST", "/v1/scheduler/iso8601", SCHEDULED.replace("sha256:1", "sha256:2")).code())
        .isEqualTo(204);

    assertThat(call("GET", "/v1/scheduler/jobs", null).json()).hasSize(1);
    JsonNode job = listed("report");
    assertThat(job.at("/container/image").asText()).isEqualTo("r/report@sha256:2");
    assertThat(job.path("successCount").asLong()).isZero();
    assertThat(job.path("lastSuccess").asText()).isEmpty();
  }

  @Test
  void refusesBadSchedulesNamesAndParentsWith400AndAReason() throws Exception {
    Answer badSchedule = call("POST", "/v1/scheduler/iso8601", SCHEDULED.replace("R/2030", "2030"));
    Answer badName =
        call("POST", "/v1/scheduler/iso8601", SCHEDULED.replace("\"report\"", "\"a report\""));
    Answer unknownParent = call("POST", "/v1/scheduler/dependency", DEPENDENT);
    Answer parentsToIso = call("POST", "/v1/scheduler/iso8601", DEPENDENT);
    Answer notJson = call("POST", "/v1/scheduler/iso8601", "{");

    assertThat(badSchedule.code()).isEqualTo(400);
    assertThat(badSchedule.body()).contains("invalid schedule '2030-01-01T00:00:00Z/PT2H'");
    assertThat(badName.code()).isEqualTo(400);
    assertThat(unknownParent.code()).isEqualTo(400);
    assertThat(unknownParent.body()).isEqualTo("parent job 'report' was not found");
    assertThat(parentsToIso.code()).isEqualTo(400);
    assertThat(notJson.code()).isEqualTo(400);
    assertThat(call("GET", "/v1/scheduler/jobs", null).json()).isEmpty();
  }

  @Test
  void aDependentJobIsAcceptedOnceItsParentExists() throws Exception {
    call("POST", "/v1/scheduler/iso8601", SCHEDULED);

    assertThat(call("POST", "/v1/scheduler/dependency", DEPENDENT).code()).isEqualTo(204);
    assertThat(listed("mail").path("parents").get(0).asText()).isEqualTo("report");
  }

  @Test
  void aManualRunSucceedsAfterItsDurationAndAnUpsertKeepsTheStatistics() throws Exception {
    chronos.runsTake(Duration.ofSeconds(30));
    call("POST", "/v1/scheduler/iso8601", SCHEDULED);

    assertThat(call("PUT", "/v1/scheduler/job/report", null).code()).isEqualTo(204);
    assertThat(listed("report").path("successCount").asLong()).isZero();
    clock.advance(Duration.ofSeconds(30));
    JsonNode done = listed("report");
    call("POST", "/v1/scheduler/iso8601", SCHEDULED.replace("sha256:1", "sha256:2"));

    assertThat(done.path("successCount").asLong()).isEqualTo(1);
    assertThat(done.path("lastSuccess").asText()).isEqualTo("2026-01-01T00:00:30Z");
    assertThat(listed("report").path("successCount").asLong()).isEqualTo(1);
    assertThat(chronos.runsOf("report")).isEqualTo(1);
  }

  @Test
  void aFailingRunCountsAnErrorAndAnUnknownJobCannotRun() throws Exception {
    chronos.failRuns("report");
    call("POST", "/v1/scheduler/iso8601", SCHEDULED);

    call("PUT", "/v1/scheduler/job/report", null);
    Answer unknown = call("PUT", "/v1/scheduler/job/nothing", null);

    JsonNode job = listed("report");
    assertThat(job.path("errorCount").asLong()).isEqualTo(1);
    assertThat(job.path("errorsSinceLastSuccess").asLong()).isEqualTo(1);
    assertThat(job.path("lastError").asText()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(job.path("successCount").asLong()).isZero();
    assertThat(unknown.code()).isEqualTo(400);
  }

  @Test
  void servesOnlyItsOwnPrefix() throws Exception {
    chronos.close();
    chronos = ChronosSimulator.start(clock, ChronosSimulator.V2);

    assertThat(call("POST", "/scheduler/iso8601", SCHEDULED).code()).isEqualTo(204);
    assertThat(call("GET", "/v1/scheduler/jobs", null).code()).isEqualTo(404);
    assertThat(call("GET", "/scheduler/jobs", null).json()).hasSize(1);
  }

  @Test
  void faultsAuthAndLostUpserts() throws Exception {
    chronos.failNext(1, 503);
    assertThat(call("GET", "/v1/scheduler/jobs", null).code()).isEqualTo(503);
    assertThat(call("GET", "/v1/scheduler/jobs", null).code()).isEqualTo(200);

    chronos.loseUpserts(true);
    assertThat(call("POST", "/v1/scheduler/iso8601", SCHEDULED).code()).isEqualTo(204);
    assertThat(call("GET", "/v1/scheduler/jobs", null).json()).isEmpty();

    chronos.requireBasicAuth("conveyor", "s3cret");
    assertThat(call("GET", "/v1/scheduler/jobs", null).code()).isEqualTo(401);
  }
}
