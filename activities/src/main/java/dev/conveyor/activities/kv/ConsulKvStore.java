package dev.conveyor.activities.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Consul's KV HTTP API. Reads are {@code GET /v1/kv/<key>} (404 = absent, the value comes base64
 * encoded with its {@code ModifyIndex}); single writes are {@code PUT /v1/kv/<key>?cas=<index>}
 * with the raw value as body, answered {@code true} or {@code false}; guarded multi-key writes are
 * one {@code PUT /v1/txn}, which Consul applies all or nothing. The ACL token, when set, goes in
 * {@code X-Consul-Token} and is never logged. Timeouts come from the {@link OkHttpClient}.
 */
final class ConsulKvStore implements KvStore {
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpUrl base;
  private final OkHttpClient http;
  private final String token;

  ConsulKvStore(HttpUrl base, OkHttpClient http, String token) {
    this.base = base;
    this.http = http;
    this.token = token == null || token.isBlank() ? null : token;
  }

  @Override
  public Optional<Entry> get(String key) {
    Request request = request(kvUrl(key).build()).get().build();
    try (Response response = http.newCall(request).execute()) {
      if (response.code() == 404) {
        return Optional.empty();
      }
      String body = response.body().string();
      if (!response.isSuccessful()) {
        throw failure(response.code(), body, "reading " + key);
      }
      JsonNode entry = MAPPER.readTree(body).path(0);
      if (entry.isMissingNode()) {
        return Optional.empty();
      }
      JsonNode value = entry.path("Value");
      String text;
      try {
        text =
            value.isTextual()
                ? new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8)
                : "";
      } catch (IllegalArgumentException notBase64) {
        throw new ConsulException(
            "Consul at "
                + base
                + " answered reading "
                + key
                + " with a Value that is not base64 (is consul.url Consul's HTTP API?)",
            notBase64);
      }
      return Optional.of(new Entry(key, text, entry.path("ModifyIndex").asLong()));
    } catch (IOException e) {
      throw unreachable("reading " + key, e);
    }
  }

  @Override
  public boolean compareAndSet(String key, String value, long expectedIndex) {
    HttpUrl url = kvUrl(key).addQueryParameter("cas", Long.toString(expectedIndex)).build();
    Request request =
        request(url)
            .put(RequestBody.create(value.getBytes(StandardCharsets.UTF_8), OCTETS))
            .build();
    try (Response response = http.newCall(request).execute()) {
      String body = response.body().string();
      if (!response.isSuccessful()) {
        throw failure(response.code(), body, "writing " + key);
      }
      return Boolean.parseBoolean(body.trim());
    } catch (IOException e) {
      throw unreachable("writing " + key, e);
    }
  }

  /**
   * One transaction: a {@code cas} of the guard (operation 0) and a {@code set} or {@code delete}
   * per other key. Consul answers 409 with the failed operations when it rolled the transaction
   * back; a failure of operation 0 is a lost race ({@code false}).
   */
  @Override
  public boolean compareAndSetWith(
      String key, String value, long expectedIndex, Map<String, String> alongside) {
    if (alongside.isEmpty()) {
      return compareAndSet(key, value, expectedIndex);
    }
    ArrayNode ops = MAPPER.createArrayNode();
    ObjectNode guard = ops.addObject().putObject("KV");
    guard.put("Verb", "cas").put("Key", key).put("Value", base64(value));
    guard.put("Index", expectedIndex);
    alongside.forEach(
        (k, v) -> {
          ObjectNode op = ops.addObject().putObject("KV");
          if (v == null) {
            op.put("Verb", "delete").put("Key", k);
          } else {
            op.put("Verb", "set").put("Key", k).put("Value", base64(v));
          }
        });
    HttpUrl url = base.newBuilder().addPathSegments("v1/txn").build();
    Request request =
        request(url)
            .put(RequestBody.create(ops.toString().getBytes(StandardCharsets.UTF_8), JSON))
            .build();
    try (Response response = http.newCall(request).execute()) {
      String body = response.body().string();
      if (response.code() == 409) {
        return rolledBack(key, body);
      }
      if (!response.isSuccessful()) {
        throw failure(response.code(), body, "writing " + key + " in a transaction");
      }
      return true;
    } catch (IOException e) {
      throw unreachable("writing " + key + " in a transaction", e);
    }
  }

  private static boolean rolledBack(String key, String body) throws IOException {
    StringBuilder others = new StringBuilder();
    for (JsonNode error : MAPPER.readTree(body).path("Errors")) {
      String what = error.path("What").asText();
      if (what.toLowerCase(java.util.Locale.ROOT).contains("permission denied")) {
        throw new ConsulException(403, "Consul denied the transaction on " + key + ": " + what);
      }
      if (error.path("OpIndex").asInt(-1) == 0) {
        return false;
      }
      others.append(others.length() == 0 ? "" : "; ").append(what);
    }
    throw new ConsulException(409, "Consul rolled back the transaction on " + key + ": " + others);
  }

  private HttpUrl.Builder kvUrl(String key) {
    return base.newBuilder().addPathSegments("v1/kv").addPathSegments(key);
  }

  private Request.Builder request(HttpUrl url) {
    Request.Builder builder = new Request.Builder().url(url);
    if (token != null) {
      builder.header("X-Consul-Token", token);
    }
    return builder;
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private ConsulException failure(int status, String body, String action) {
    String said = body == null || body.isBlank() ? "(no message)" : body.trim();
    if (said.length() > 300) {
      said = said.substring(0, 300) + "…";
    }
    return new ConsulException(
        status, "Consul at " + base + " answered HTTP " + status + " " + action + ": " + said);
  }

  private ConsulException unreachable(String action, IOException e) {
    return new ConsulException(
        "Consul at " + base + " did not answer " + action + ": " + e.getMessage(), e);
  }
}
