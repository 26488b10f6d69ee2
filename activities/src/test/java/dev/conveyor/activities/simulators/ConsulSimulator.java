package dev.conveyor.activities.simulators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;

/**
 * Consul's KV HTTP API in memory, after {@code shared/reference/README.md}: {@code GET
 * /v1/kv/<key>} (JSON array with base64 {@code Value}, {@code CreateIndex}, {@code ModifyIndex};
 * 404 when absent; {@code ?raw}, {@code ?recurse}, {@code ?keys}), {@code PUT /v1/kv/<key>[?cas=N]}
 * answering {@code true}/{@code false} ({@code cas=0}: create only), {@code DELETE
 * /v1/kv/<key>[?cas=N]}, and {@code PUT /v1/txn} (all or nothing; 409 with {@code Errors[{OpIndex,
 * What}]}). Every write bumps one global index, like Consul's Raft index; reads return it in {@code
 * X-Consul-Index}. Blocking queries return at once, which Consul also allows.
 *
 * <p>Test hooks: {@link #requireToken} (403 without {@code X-Consul-Token}), {@link #failNext}
 * (500s), {@link #beforeNextWrite} (a concurrent writer slips in before the next write request),
 * {@link #put} / {@link #value} to seed and inspect, and {@link #requests()}.
 */
public final class ConsulSimulator extends Dispatcher implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final MockWebServer server = new MockWebServer();
  private final TreeMap<String, Stored> kv = new TreeMap<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final List<Runnable> beforeWrites = new ArrayList<>();
  private long index = 1;
  private String token;
  private int failures;

  private ConsulSimulator() {}

  /** Starts a simulator on a free loopback port. Close it after the test. */
  public static ConsulSimulator start() {
    ConsulSimulator simulator = new ConsulSimulator();
    simulator.server.setDispatcher(simulator);
    try {
      simulator.server.start(InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return simulator;
  }

  /** Base URL, e.g. {@code http://127.0.0.1:51234}, as written in {@code consul.url}. */
  public String url() {
    String url = server.url("/").toString();
    return url.substring(0, url.length() - 1);
  }

  /** From now on every request needs {@code X-Consul-Token: token} (or a Bearer header). */
  public synchronized ConsulSimulator requireToken(String token) {
    this.token = token;
    return this;
  }

  /** The next {@code count} requests answer 500, as Consul does without a cluster leader. */
  public synchronized ConsulSimulator failNext(int count) {
    this.failures = count;
    return this;
  }

  /** Runs {@code action} just before the next write request is applied: a writer that wins. */
  public synchronized ConsulSimulator beforeNextWrite(Runnable action) {
    beforeWrites.add(action);
    return this;
  }

  /** Sets a key as another client would (new modify index). */
  public synchronized void put(String key, String value) {
    long at = ++index;
    Stored old = kv.get(key);
    kv.put(key, new Stored(value, old == null ? at : old.createIndex, at));
  }

  public synchronized Optional<String> value(String key) {
    return Optional.ofNullable(kv.get(key)).map(s -> s.value);
  }

  /** The key's modify index, or 0 when it does not exist. */
  public synchronized long modifyIndex(String key) {
    Stored stored = kv.get(key);
    return stored == null ? 0 : stored.modifyIndex;
  }

  /** Every request received, in order. */
  public synchronized List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** How many requests had this method and path, e.g. {@code ("PUT", "/v1/txn")}. */
  public synchronized long count(String method, String path) {
    return requests.stream()
        .filter(r -> r.getMethod().equals(method) && r.getUrl().encodedPath().equals(path))
        .count();
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
      return text(500, "rpc error making call: No cluster leader");
    }
    if (token != null) {
      String given = request.getHeaders().get("X-Consul-Token");
      String bearer = request.getHeaders().get("Authorization");
      if (given == null && bearer != null && bearer.startsWith("Bearer ")) {
        given = bearer.substring("Bearer ".length());
      }
      if (given == null || given.isEmpty()) {
        return text(403, "Permission denied");
      }
      if (!given.equals(token)) {
        return text(403, "ACL not found");
      }
    }
    HttpUrl url = request.getUrl();
    String path = url.encodedPath();
    String method = request.getMethod();
    if (!method.equals("GET") && !beforeWrites.isEmpty()) {
      beforeWrites.remove(0).run();
    }
    if (path.equals("/v1/txn") && method.equals("PUT")) {
      return txn(request);
    }
    if (path.startsWith("/v1/kv/")) {
      String key = String.join("/", url.pathSegments().subList(2, url.pathSize()));
      return switch (method) {
        case "GET" -> read(key, url);
        case "PUT" -> write(key, url, body(request));
        case "DELETE" -> delete(key, url);
        default -> text(405, "method " + method + " not allowed");
      };
    }
    return text(404, "no such endpoint: " + method + " " + path);
  }

  private MockResponse read(String key, HttpUrl url) {
    if (has(url, "recurse") || has(url, "keys")) {
      Map<String, Stored> below = kv.subMap(key, true, key + Character.MAX_VALUE, false);
      if (below.isEmpty()) {
        return indexed(new MockResponse.Builder().code(404), index).build();
      }
      ArrayNode out = MAPPER.createArrayNode();
      below.forEach(
          (k, v) -> {
            if (has(url, "keys")) {
              out.add(k);
            } else {
              out.add(entry(k, v));
            }
          });
      long max = below.values().stream().mapToLong(s -> s.modifyIndex).max().orElse(index);
      return json(200, out, max);
    }
    Stored stored = kv.get(key);
    if (stored == null) {
      return indexed(new MockResponse.Builder().code(404), index).build();
    }
    if (has(url, "raw")) {
      return indexed(new MockResponse.Builder().code(200), stored.modifyIndex)
          .body(stored.value)
          .build();
    }
    return json(200, MAPPER.createArrayNode().add(entry(key, stored)), stored.modifyIndex);
  }

  private MockResponse write(String key, HttpUrl url, String body) {
    String cas = url.queryParameter("cas");
    if (cas != null && !casMatches(key, Long.parseLong(cas))) {
      return bool(false);
    }
    put(key, body);
    return bool(true);
  }

  private MockResponse delete(String key, HttpUrl url) {
    String cas = url.queryParameter("cas");
    if (cas != null && !casMatches(key, Long.parseLong(cas))) {
      return bool(false);
    }
    if (has(url, "recurse")) {
      kv.subMap(key, true, key + Character.MAX_VALUE, false).clear();
    } else {
      kv.remove(key);
    }
    index++;
    return bool(true);
  }

  /** Applies every operation to a copy; commits the copy only when none failed. */
  private MockResponse txn(RecordedRequest request) {
    JsonNode ops;
    try {
      ops = MAPPER.readTree(body(request));
    } catch (IOException e) {
      return text(400, "Failed to parse body: " + e.getMessage());
    }
    if (!ops.isArray()) {
      return text(400, "Failed to parse body: expected a JSON array of operations");
    }
    if (ops.size() > 128) {
      return text(413, "Transaction contains too many operations (" + ops.size() + " > 128)");
    }
    TreeMap<String, Stored> copy = new TreeMap<>(kv);
    long at = index + 1;
    ArrayNode results = MAPPER.createArrayNode();
    ArrayNode errors = MAPPER.createArrayNode();
    for (int i = 0; i < ops.size(); i++) {
      JsonNode op = ops.get(i).path("KV");
      String verb = op.path("Verb").asText();
      String key = op.path("Key").asText();
      Stored existing = copy.get(key);
      long want = op.path("Index").asLong();
      String error = null;
      switch (verb) {
        case "set", "cas" -> {
          if (verb.equals("cas")
              && (want == 0
                  ? existing != null
                  : existing == null || existing.modifyIndex != want)) {
            error = "failed to set key \"" + key + "\", index is stale";
          } else {
            String value = decode(op.path("Value"));
            copy.put(key, new Stored(value, existing == null ? at : existing.createIndex, at));
            results.addObject().set("KV", entry(key, copy.get(key)).put("Value", (String) null));
          }
        }
        case "get" -> {
          if (existing == null) {
            error = "key \"" + key + "\" doesn't exist";
          } else {
            results.addObject().set("KV", entry(key, existing));
          }
        }
        case "delete" -> copy.remove(key);
        case "delete-cas" -> {
          if (existing == null || existing.modifyIndex != want) {
            error = "failed to delete key \"" + key + "\", index is stale";
          } else {
            copy.remove(key);
          }
        }
        case "check-index" -> {
          if (existing == null || existing.modifyIndex != want) {
            error =
                "current modify index "
                    + (existing == null ? 0 : existing.modifyIndex)
                    + " for key \""
                    + key
                    + "\" does not match "
                    + want;
          }
        }
        case "check-not-exists" -> {
          if (existing != null) {
            error = "key \"" + key + "\" exists";
          }
        }
        default -> error = "unknown KV verb \"" + verb + "\"";
      }
      if (error != null) {
        errors.addObject().put("OpIndex", i).put("What", error);
      }
    }
    ObjectNode answer = MAPPER.createObjectNode();
    if (!errors.isEmpty()) {
      answer.putNull("Results");
      answer.set("Errors", errors);
      return json(409, answer, index);
    }
    kv.clear();
    kv.putAll(copy);
    index = at;
    answer.set("Results", results);
    answer.putNull("Errors");
    return json(200, answer, index);
  }

  /** Consul's flags are bare ({@code ?raw}): present without a value. */
  private static boolean has(HttpUrl url, String flag) {
    return url.queryParameterNames().contains(flag);
  }

  private static String body(RecordedRequest request) {
    return request.getBody() == null ? "" : request.getBody().utf8();
  }

  private boolean casMatches(String key, long want) {
    Stored stored = kv.get(key);
    return want == 0 ? stored == null : stored != null && stored.modifyIndex == want;
  }

  private static String decode(JsonNode value) {
    return value.isTextual()
        ? new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8)
        : "";
  }

  private static ObjectNode entry(String key, Stored stored) {
    ObjectNode entry = MAPPER.createObjectNode();
    entry.put("LockIndex", 0).put("Key", key).put("Flags", 0);
    entry.put(
        "Value", Base64.getEncoder().encodeToString(stored.value.getBytes(StandardCharsets.UTF_8)));
    entry.put("CreateIndex", stored.createIndex).put("ModifyIndex", stored.modifyIndex);
    return entry;
  }

  private static MockResponse.Builder indexed(MockResponse.Builder builder, long at) {
    return builder
        .setHeader("X-Consul-Index", at)
        .setHeader("X-Consul-Knownleader", "true")
        .setHeader("X-Consul-Lastcontact", "0");
  }

  private static MockResponse json(int code, JsonNode body, long at) {
    return indexed(new MockResponse.Builder().code(code), at)
        .setHeader("Content-Type", "application/json")
        .body(body.toString())
        .build();
  }

  private MockResponse bool(boolean value) {
    return json(200, MAPPER.getNodeFactory().booleanNode(value), index);
  }

  private static MockResponse text(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .setHeader("Content-Type", "text/plain; charset=utf-8")
        .body(body)
        .build();
  }

  private static final class Stored {
    final String value;
    final long createIndex;
    final long modifyIndex;

    Stored(String value, long createIndex, long modifyIndex) {
      this.value = value;
      this.createIndex = createIndex;
      this.modifyIndex = modifyIndex;
    }
  }
}
