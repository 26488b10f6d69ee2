package dev.conveyor.activities.simulators;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator keeps to Consul's documented KV behaviour, so clients tested on it can trust it.
 */
class ConsulSimulatorTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final ConsulSimulator consul = ConsulSimulator.start();
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    consul.close();
  }

  private Answer call(String method, String path, String body) throws IOException {
    Request.Builder request = new Request.Builder().url(consul.url() + path);
    if (body != null) {
      request.method(method, RequestBody.create(body, MediaType.get("application/json")));
    } else {
      request.method(method, null);
    }
    try (Response response = http.newCall(request.build()).execute()) {
      return new Answer(
          response.code(), response.body().string(), response.header("X-Consul-Index"));
    }
  }

  private record Answer(int code, String body, String index) {}

  @Test
  void entriesCarryBase64ValuesAndIndexesAndRawGivesTheBareValue() throws Exception {
    assertThat(call("PUT", "/v1/kv/a/b", "hello").body()).isEqualTo("true");
    assertThat(call("PUT", "/v1/kv/a/b", "again").body()).isEqualTo("true");

    Answer read = call("GET", "/v1/kv/a/b", null);
    JsonNode entry = MAPPER.readTree(read.body()).get(0);
    assertThat(entry.path("Key").asText()).isEqualTo("a/b");
    assertThat(
            new String(
                Base64.getDecoder().decode(entry.path("Value").asText()), StandardCharsets.UTF_8))
        .isEqualTo("again");
    assertThat(entry.path("ModifyIndex").asLong())
        .isGreaterThan(entry.path("CreateIndex").asLong());
    assertThat(read.index()).isEqualTo(entry.path("ModifyIndex").asText());
    assertThat(call("GET", "/v1/kv/a/b?raw", null).body()).isEqualTo("again");
    assertThat(call("GET", "/v1/kv/missing", null).code()).isEqualTo(404);
  }

  @Test
  void casAnswersFalseOnAStaleIndexAndZeroMeansCreateOnly() throws Exception {
    call("PUT", "/v1/kv/k?cas=0", "v1");
    long index = consul.modifyIndex("k");

    assertThat(call("PUT", "/v1/kv/k?cas=0", "v2").body()).isEqualTo("false");
    assertThat(call("PUT", "/v1/kv/k?cas=" + (index + 7), "v2").body()).isEqualTo("false");
    assertThat(call("PUT", "/v1/kv/k?cas=" + index, "v2").body()).isEqualTo("true");
    assertThat(consul.value("k")).contains("v2");
    assertThat(call("DELETE", "/v1/kv/k?cas=" + index, null).body()).isEqualTo("false");
    assertThat(call("DELETE", "/v1/kv/k", null).body()).isEqualTo("true");
    assertThat(consul.value("k")).isEmpty();
  }

  @Test
  void recurseListsAPrefix() throws Exception {
    consul.put("conveyor/qa/a/image", "x");
    consul.put("conveyor/qa/b/image", "y");
    consul.put("other", "z");

    JsonNode keys = MAPPER.readTree(call("GET", "/v1/kv/conveyor/?keys", null).body());

    assertThat(keys).hasSize(2);
    assertThat(MAPPER.readTree(call("GET", "/v1/kv/conveyor/?recurse", null).body())).hasSize(2);
  }

  @Test
  void aTransactionWithAFailingOperationChangesNothing() throws Exception {
    consul.put("guard", "g");
    String ops =
        "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"side\",\"Value\":\"c2lkZQ==\"}},"
            + "{\"KV\":{\"Verb\":\"cas\",\"Key\":\"guard\",\"Value\":\"bmV3\",\"Index\":1}}]";

    Answer answer = call("PUT", "/v1/txn", ops);

    assertThat(answer.code()).isEqualTo(409);
    JsonNode error = MAPPER.readTree(answer.body()).path("Errors").get(0);
    assertThat(error.path("OpIndex").asInt()).isEqualTo(1);
    assertThat(error.path("What").asText()).contains("index is stale");
    assertThat(consul.value("side")).isEmpty();
    assertThat(consul.value("guard")).contains("g");
  }

  @Test
  void tokensAndFaultsBehaveLikeConsul() throws Exception {
    consul.requireToken("t0k");
    assertThat(call("GET", "/v1/kv/k", null))
        .extracting(Answer::code, Answer::body)
        .containsExactly(403, "Permission denied");

    consul.requireToken(null).failNext(2);
    assertThat(call("GET", "/v1/kv/k", null).code()).isEqualTo(500);
    assertThat(call("GET", "/v1/kv/k", null).code()).isEqualTo(500);
    assertThat(call("GET", "/v1/kv/k", null).code()).isEqualTo(404);
  }
}
