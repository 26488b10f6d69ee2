package dev.conveyor.activities.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conveyor.activities.target.HealthWatch;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription to a Marathon's event stream ({@code GET /v2/events}, server-sent events) shared
 * by every health gate of this worker that waits on that Marathon. An event about a watched app
 * (task status, health change) or deployment ({@code deployment_success}/{@code _failed}) wakes its
 * gates, which then confirm with a GET: events arrive in no guaranteed order and may be missed, so
 * they are only hints. While the stream is down (not yet connected, refused, dropped), gates poll
 * at the normal interval; the stream reconnects with backoff as long as some gate watches. Nothing
 * is written, so there is nothing to make idempotent; the stream's own read timeout bounds a silent
 * connection.
 */
final class MarathonEvents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MarathonEvents.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The event types that can change a gate's answer; Marathon filters the stream by them. */
  static final String[] EVENT_TYPES = {
    "deployment_success",
    "deployment_failed",
    "health_status_changed_event",
    "instance_health_changed_event",
    "status_update_event"
  };

  /** A silent stream is reopened after this long (Marathon sends nothing while nothing happens). */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  static final Duration FIRST_RETRY = Duration.ofMillis(500);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);

  private final HttpUrl base;
  private final OkHttpClient http;
  private final String authorization;
  private final Duration safetyPoll;
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean connected;
  private volatile boolean closed;
  private volatile Call call;
  private Thread reader;

  /**
   * @param safetyPoll how long a gate waits between looks while the stream is connected (a missed
   *     event costs at most this); at least the gate's poll interval
   */
  MarathonEvents(HttpUrl base, OkHttpClient http, String authorization, Duration safetyPoll) {
    this.base = base;
    this.http =
        http.newBuilder()
            .readTimeout(IDLE_TIMEOUT)
            .callTimeout(Duration.ZERO)
            .retryOnConnectionFailure(false)
            .build();
    this.authorization = authorization;
    this.safetyPoll = safetyPoll;
  }

  /** Watches {@code appId} (and the deployment, when known) until the returned watch is closed. */
  HealthWatch watch(String appId, String deploymentId) {
    Watch watch = new Watch(appId, deploymentId);
    watches.add(watch);
    ensureReading();
    return watch;
  }

  boolean connected() {
    return connected;
  }

  private synchronized void ensureReading() {
    if (closed || (reader != null && reader.isAlive())) {
      return;
    }
    reader =
        new Thread(this::readWhileWatched, "marathon-events " + base.host() + ":" + base.port());
    reader.setDaemon(true);
    reader.start();
  }

  private void readWhileWatched() {
    Duration retry = FIRST_RETRY;
    while (!closed && !watches.isEmpty()) {
      boolean attached;
      try {
        readOnce();
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          log.debug("event stream of {} lost: {}", base, e.toString());
        }
      } finally {
        attached = connected;
        connected = false;
        // gates that wait long on a connected stream go back to polling at once
        watches.forEach(Watch::wake);
      }
      if (attached) {
        retry = FIRST_RETRY;
        continue; // a stream that ended after working: reconnect at once
      }
      if (!sleep(retry)) {
        return;
      }
      retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
    }
    synchronized (this) {
      reader = null;
    }
    // a watch that arrived while this thread was ending must not be left without a reader
    if (!closed && !watches.isEmpty()) {
      ensureReading();
    }
  }

  /** Reads the stream until it ends; {@link #connected} is true while it is attached. */
  private void readOnce() throws IOException {
    HttpUrl.Builder url = base.newBuilder().addPathSegments("v2/events");
    for (String type : EVENT_TYPES) {
      url.addQueryParameter("event_type", type);
    }
    Request.Builder request =
        new Request.Builder().url(url.build()).get().header("Accept", "text/event-stream");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    Call current = http.newCall(request.build());
    call = current;
    if (closed) {
      current.cancel();
    }
    try (Response response = current.execute()) {
      if (response.code() != 200) {
        log.info(
            "event stream of {} refused (HTTP {}): health gates poll instead",
            base,
            response.code());
        return;
      }
      connected = true;
      log.debug("event stream of {} attached", base);
      BufferedSource source = response.body().source();
      String event = null;
      StringBuilder data = new StringBuilder();
      while (!closed) {
        String line = source.readUtf8Line();
        if (line == null) {
          return;
        }
        if (line.isEmpty()) {
          if (data.length() > 0) {
            dispatch(event, data.toString());
          }
          event = null;
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          if (data.length() > 0) {
            data.append('\n');
          }
          data.append(line.substring(5).trim());
        }
      }
    }
  }

  private void dispatch(String event, String data) {
    JsonNode json;
    try {
      json = MAPPER.readTree(data);
    } catch (IOException malformed) {
      watches.forEach(Watch::wake); // cannot tell whom it concerns: everyone looks again
      return;
    }
    String type = json.path("eventType").asText(event == null ? "" : event);
    if (type.equals("deployment_success") || type.equals("deployment_failed")) {
      String id = json.path("id").asText("");
      for (Watch watch : watches) {
        if (id.equals(watch.deploymentId) || data.contains("\"" + watch.appId + "\"")) {
          watch.wake();
        }
      }
      return;
    }
    String app = json.path("appId").asText(json.path("runSpecId").asText(""));
    for (Watch watch : watches) {
      if (watch.appId.equals(app)) {
        watch.wake();
      }
    }
  }

  private boolean sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops reading; gates still waiting fall back to polling. */
  @Override
  public void close() {
    closed = true;
    Call current = call;
    if (current != null) {
      current.cancel();
    }
    watches.forEach(Watch::wake);
  }

  private final class Watch implements HealthWatch {
    final String appId;
    final String deploymentId;
    private boolean woken;

    Watch(String appId, String deploymentId) {
      this.appId = appId;
      this.deploymentId = deploymentId;
    }

    synchronized void wake() {
      woken = true;
      notifyAll();
    }

    @Override
    public long nextLookMillis(long pollMillis) {
      return connected ? Math.max(pollMillis, safetyPoll.toMillis()) : pollMillis;
    }

    @Override
    public synchronized void await(long millis) throws InterruptedException {
      long until = System.nanoTime() + Duration.ofMillis(Math.max(1, millis)).toNanos();
      while (!woken) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          break;
        }
        wait(Math.max(1, left / 1_000_000));
      }
      woken = false;
    }

    @Override
    public void close() {
      watches.remove(this);
    }
  }
}
