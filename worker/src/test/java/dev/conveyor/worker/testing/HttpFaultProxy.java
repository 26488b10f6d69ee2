package dev.conveyor.worker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;

/**
 * An HTTP/1.1 reverse proxy on a free loopback port in front of a real peer (the registry, a
 * simulator), forwarding every request as it came (Host header included, so the registry's upload
 * URLs point back at the proxy) and injecting faults by rule: answer with a status instead of
 * forwarding, drop the connection, delay the answer, or hold the request before or after it was
 * forwarded. Every request is recorded with what the proxy did with it.
 *
 * <p>The Docker engine pushes to {@code 127.0.0.1:<port>} over plain HTTP without any engine
 * configuration (loopback registries are always insecure-allowed), so pointing the definitions'
 * {@code registry} at the proxy puts it between the engine's push and the registry, and between the
 * worker's registry API calls and the registry.
 */
public final class HttpFaultProxy implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "content-length");

  /**
   * One request as the proxy saw it, and what it did: a status, {@code dropped}, or {@code held}.
   */
  public record Seen(String method, String target, String userAgent, String outcome) {
    public boolean is(String m, String pathPart) {
      return method.equals(m) && target.contains(pathPart);
    }
  }

  private final MockWebServer server = new MockWebServer();
  private final HttpUrl upstream;
  private final OkHttpClient http;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  private HttpFaultProxy(HttpUrl upstream) {
    this.upstream = upstream;
    this.http =
        new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .followSslRedirects(false)
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(120))
            .writeTimeout(Duration.ofSeconds(120))
            .callTimeout(Duration.ofSeconds(180))
            .build();
  }

  /** A proxy in front of {@code upstream}, e.g. {@code http://127.0.0.1:5000}. */
  public static HttpFaultProxy to(String upstream) {
    HttpFaultProxy proxy = new HttpFaultProxy(HttpUrl.get(upstream));
    proxy.server.setBodyLimit(Long.MAX_VALUE);
    proxy.server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return proxy.handle(request);
          }
        });
    try {
      proxy.server.start(InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return proxy;
  }

  /** {@code 127.0.0.1:<port>}: what a registry reference or a URL names. */
  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://" + address();
  }

  /** The next {@code times} requests matching {@code which} are answered {@code status}. */
  public HttpFaultProxy answer(Predicate<Seen> which, int times, int status, String body) {
    return answer(which, times, status, body, Headers.of());
  }

  /** The same, with extra response headers (e.g. a {@code WWW-Authenticate} challenge). */
  public HttpFaultProxy answer(
      Predicate<Seen> which, int times, int status, String body, Headers headers) {
    rules.add(new Rule(which, times, Action.answer(status, body, headers)));
    return this;
  }

  /** The next {@code times} matching requests lose their connection without an answer. */
  public HttpFaultProxy drop(Predicate<Seen> which, int times) {
    rules.add(new Rule(which, times, Action.DROP));
    return this;
  }

  /** The next {@code times} matching requests are forwarded, and the answer comes after delay. */
  public HttpFaultProxy delay(Predicate<Seen> which, int times, Duration delay) {
    rules.add(new Rule(which, times, Action.delay(delay)));
    return this;
  }

  /** Runs {@code action} just before the first matching request is forwarded. */
  public HttpFaultProxy beforeForwarding(Predicate<Seen> which, Runnable action) {
    rules.add(new Rule(which, 1, Action.run(action)));
    return this;
  }

  /** The first matching request is held before it is forwarded, until the hold is released. */
  public Hold holdBeforeForwarding(Predicate<Seen> which) {
    Hold hold = new Hold("before forwarding");
    rules.add(new Rule(which, 1, Action.holdBefore(hold)));
    return hold;
  }

  /** The first matching request is forwarded, then its answer is held until released. */
  public Hold holdAfterForwarding(Predicate<Seen> which) {
    Hold hold = new Hold("after forwarding");
    rules.add(new Rule(which, 1, Action.holdAfter(hold)));
    return hold;
  }

  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** How many requests matched {@code which}. */
  public long count(Predicate<Seen> which) {
    return seen.stream().filter(which).count();
  }

  @Override
  public void close() {
    for (Rule rule : rules) {
      if (rule.action.hold != null) {
        rule.action.hold.release();
      }
    }
    server.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /** Requests whose method is {@code method} and whose path contains {@code part}. */
  public static Predicate<Seen> request(String method, String part) {
    return s -> s.is(method, part);
  }

  /** Requests sent by the worker's OkHttp clients (not by the Docker engine). */
  public static Predicate<Seen> fromWorker(Predicate<Seen> which) {
    return which.and(s -> s.userAgent() != null && s.userAgent().startsWith("okhttp"));
  }

  private MockResponse handle(RecordedRequest request) {
    String target = request.getTarget();
    String accept = request.getHeaders().get("Accept");
    if (accept != null && accept.contains("text/event-stream")) {
      // This proxy reads each answer whole before passing it on, so it cannot carry a stream
      // that never ends (Marathon's /v2/events); refusing it leaves the worker's health gates
      // polling, as they do without the stream. Not recorded: no test asserts on the stream.
      return new MockResponse.Builder()
          .code(503)
          .setHeader("Content-Type", "application/json")
          .body("{\"message\":\"event streams are not proxied\"}")
          .build();
    }
    Seen probe =
        new Seen(request.getMethod(), target, request.getHeaders().get("User-Agent"), "pending");
    Action action = null;
    for (Rule rule : rules) {
      if (rule.matches(probe)) {
        action = rule.action;
        break;
      }
    }
    if (action == Action.DROP) {
      record(probe, "dropped");
      return new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build();
    }
    if (action != null && action.status > 0) {
      record(probe, Integer.toString(action.status));
      MockResponse.Builder answer =
          new MockResponse.Builder()
              .code(action.status)
              .setHeader("Content-Type", "application/json")
              .body(action.body);
      action.headers.forEach(h -> answer.setHeader(h.getFirst(), h.getSecond()));
      return answer.build();
    }
    if (action != null && action.before) {
      record(probe, "held");
      action.hold.pause();
    }
    if (action != null && action.run != null) {
      action.run.run();
    }
    MockResponse.Builder answer;
    try {
      answer = forward(request, target);
    } catch (IOException e) {
      record(probe, "upstream failed: " + e.getMessage());
      return new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build();
    }
    if (action != null && action.hold != null && !action.before) {
      record(probe, "forwarded, answer held");
      action.hold.pause();
    } else if (action != null && action.delay != null) {
      record(probe, "delayed " + action.delay.toMillis() + " ms");
      answer.headersDelay(action.delay.toMillis(), TimeUnit.MILLISECONDS);
    } else if (action == null || !action.before) {
      record(probe, action != null && action.run != null ? "forwarded after action" : "forwarded");
    }
    return answer.build();
  }

  private MockResponse.Builder forward(RecordedRequest request, String target) throws IOException {
    HttpUrl url = HttpUrl.get(upstream.toString().replaceAll("/$", "") + target);
    Headers.Builder headers = new Headers.Builder();
    for (int i = 0; i < request.getHeaders().size(); i++) {
      String name = request.getHeaders().name(i);
      if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
        headers.addUnsafeNonAscii(name, request.getHeaders().value(i));
      }
    }
    String method = request.getMethod();
    RequestBody body = null;
    if (!method.equals("GET") && !method.equals("HEAD")) {
      String type = request.getHeaders().get("Content-Type");
      byte[] bytes = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
      body = RequestBody.create(bytes, type == null ? null : MediaType.parse(type));
    }
    Request outgoing =
        new Request.Builder().url(url).headers(headers.build()).method(method, body).build();
    try (Response response = http.newCall(outgoing).execute()) {
      MockResponse.Builder answer = new MockResponse.Builder().code(response.code());
      Headers.Builder back = new Headers.Builder();
      for (int i = 0; i < response.headers().size(); i++) {
        String name = response.headers().name(i);
        String value = response.headers().value(i);
        if (name.equalsIgnoreCase("Location")) {
          value = value.replace(upstream.host() + ":" + upstream.port(), address());
        }
        boolean keepLength = method.equals("HEAD") && name.equalsIgnoreCase("Content-Length");
        if (keepLength || !HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
          back.addUnsafeNonAscii(name, value);
        }
      }
      answer.headers(back.build());
      if (!method.equals("HEAD")) {
        Buffer buffer = new Buffer();
        buffer.write(response.body().bytes());
        answer.body(buffer);
      }
      return answer;
    }
  }

  private void record(Seen probe, String outcome) {
    seen.add(new Seen(probe.method(), probe.target(), probe.userAgent(), outcome));
  }

  private static final class Rule {
    final Predicate<Seen> which;
    final AtomicInteger left;
    final Action action;

    Rule(Predicate<Seen> which, int times, Action action) {
      this.which = which;
      this.left = new AtomicInteger(times);
      this.action = action;
    }

    boolean matches(Seen request) {
      if (!which.test(request)) {
        return false;
      }
      return left.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }
  }

  private static final class Action {
    static final Action DROP = new Action(0, null, null, null, false, null);

    Headers headers = Headers.of();

    final int status;
    final String body;
    final Duration delay;
    final Hold hold;
    final boolean before;
    final Runnable run;

    private Action(
        int status, String body, Duration delay, Hold hold, boolean before, Runnable run) {
      this.status = status;
      this.body = body;
      this.delay = delay;
      this.hold = hold;
      this.before = before;
      this.run = run;
    }

    static Action answer(int status, String body, Headers headers) {
      Action action = new Action(status, body == null ? "" : body, null, null, false, null);
      action.headers = headers;
      return action;
    }

    static Action delay(Duration delay) {
      return new Action(0, null, delay, null, false, null);
    }

    static Action holdBefore(Hold hold) {
      return new Action(0, null, null, hold, true, null);
    }

    static Action holdAfter(Hold hold) {
      return new Action(0, null, null, hold, false, null);
    }

    static Action run(Runnable action) {
      return new Action(0, null, null, null, false, action);
    }
  }
}
