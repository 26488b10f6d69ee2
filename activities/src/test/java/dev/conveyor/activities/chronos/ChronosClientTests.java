package dev.conveyor.activities.chronos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.simulators.ChronosSimulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/** The client's calls and failures, against the simulator and a bare local server. */
class ChronosClientTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @StartStop private final MockWebServer server = new MockWebServer();

  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

  private static ObjectNode job(String json) throws IOException {
    return (ObjectNode) MAPPER.readTree(json);
  }

  @Test
  void speaksUnderTheGivenPrefixAndSendsTheCredentials() throws Exception {
    try (ChronosSimulator chronos =
        ChronosSimulator.start(Clock.systemUTC(), ChronosSimulator.V2)) {
      chronos.requireBasicAuth("conveyor", "s3cret");
      ChronosClient client =
          new ChronosClient(
              HttpUrl.get(chronos.url()),
              "/scheduler",
              http,
              okhttp3.Credentials.basic("conveyor", "s3cret"));

      String scheduled =
          client.upsert(
              job("{\"name\":\"a\",\"schedule\":\"R//PT1H\",\"container\":{\"image\":\"i\"}}"));
      String dependent =
          client.upsert(
              job("{\"name\":\"b\",\"parents\":[\"a\"],\"container\":{\"image\":\"j\"}}"));
      client.run("a");

      assertThat(scheduled).isEqualTo("iso8601");
      assertThat(dependent).isEqualTo("dependency");
      assertThat(client.jobs()).extracting(ChronosJob::name).containsExactly("a", "b");
      ChronosJob b = client.job("b").orElseThrow();
      assertThat(b.parents()).containsExactly("a");
      assertThat(b.schedule()).isNull();
      assertThat(b.image()).isEqualTo("j");
      assertThat(client.job("a").orElseThrow().successCount()).isEqualTo(1);
      assertThat(chronos.count("POST", "/scheduler/iso8601")).isEqualTo(1);
      assertThat(chronos.count("PUT", "/scheduler/job/a")).isEqualTo(1);
    }
  }

  @Test
  void anErrorCarriesTheStatusAndWhatChronosSaid() {
    server.enqueue(new MockResponse.Builder().code(400).body("invalid schedule 'x'\n").build());
    ChronosClient client = new ChronosClient(server.url("/"), "/v1/scheduler", http, null);

    ChronosException e = catchThrowableOfType(ChronosException.class, () -> client.run("a"));

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.said()).isEqualTo("invalid schedule 'x'");
    assertThat(e.permanent()).isTrue();
    assertThat(e.getMessage())
        .isEqualTo(
            "Chronos at "
                + server.url("/")
                + " answered HTTP 400 to PUT /v1/scheduler/job/a: invalid schedule 'x'");
  }

  @Test
  void aListingThatIsNotJsonIsAnError() {
    server.enqueue(new MockResponse.Builder().code(200).body("<html>proxy</html>").build());
    ChronosClient client = new ChronosClient(server.url("/"), "/v1/scheduler", http, null);

    ChronosException e = catchThrowableOfType(ChronosException.class, client::jobs);

    assertThat(e.getMessage()).contains("answered GET /v1/scheduler/jobs with something not JSON");
    assertThat(e.permanent()).isFalse();
  }

  @Test
  void noAnswerIsStatusZeroAndNotPermanent() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    ChronosClient client =
        new ChronosClient(HttpUrl.get("http://127.0.0.1:" + port), "/v1/scheduler", http, null);

    ChronosException e = catchThrowableOfType(ChronosException.class, client::jobs);

    assertThat(e.status()).isZero();
    assertThat(e.permanent()).isFalse();
    assertThat(e.unauthorized()).isFalse();
    assertThat(e.getMessage())
        .startsWith("Chronos at http://127.0.0.1:" + port + "/ did not answer");
  }
}
