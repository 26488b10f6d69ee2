package dev.conveyor.worker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A webhook receiver that records every delivery with its {@code Idempotency-Key}, as a receiver
 * that deduplicates by that key would see them. It answers 200 unless told another status, and can
 * hold one delivery (recorded, no answer yet) while the worker is killed.
 */
public final class WebhookSink implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One POST as received. */
  public record Delivery(String path, String idempotencyKey, String outcome, String body) {}

  private final MockWebServer server = new MockWebServer();
  private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile Hold hold;

  private WebhookSink() {}

  public static WebhookSink start() {
    WebhookSink sink = new WebhookSink();
    sink.server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return sink.receive(request);
          }
        });
    try {
      sink.server.start(InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sink;
  }

  /** The URL of {@code path} on this sink, e.g. {@code http://127.0.0.1:4711/hooks/deployments}. */
  public String url(String path) {
    return server.url(path).toString();
  }

  /** Every later delivery is answered with {@code code} (still recorded). */
  public WebhookSink answer(int code) {
    this.status = code;
    return this;
  }

  /** The next delivery is recorded, then held without an answer until the hold is released. */
  public Hold holdNextDelivery() {
    Hold next = new Hold("webhook delivery");
    this.hold = next;
    return next;
  }

  public List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  /** The distinct idempotency keys, in the order first seen: what a deduplicating receiver kept. */
  public Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    deliveries.forEach(d -> keys.add(d.idempotencyKey()));
    return keys;
  }

  @Override
  public void close() {
    Hold held = hold;
    if (held != null) {
      held.release();
    }
    server.close();
  }

  private MockResponse receive(RecordedRequest request) {
    String body = request.getBody() == null ? "" : request.getBody().utf8();
    String outcome = null;
    try {
      JsonNode json = JSON.readTree(body);
      outcome = json == null ? null : json.path("outcome").asText(null);
    } catch (IOException notJson) {
      // recorded as it came
    }
    deliveries.add(
        new Delivery(
            request.getUrl().encodedPath(),
            request.getHeaders().get("Idempotency-Key"),
            outcome,
            body));
    Hold held = hold;
    if (held != null) {
      held.pause();
    }
    return new MockResponse.Builder().code(status).body("{\"ok\":" + (status < 300) + "}").build();
  }
}
