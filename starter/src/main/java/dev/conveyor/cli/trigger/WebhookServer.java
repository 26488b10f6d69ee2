package dev.conveyor.cli.trigger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.StartOutcome;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The webhook endpoint on the JDK's built-in HTTP server: no web framework, so the CLI jar stays
 * small and Spring-free. A few threads serve requests (a webhook is handled in milliseconds, or
 * within the Temporal RPC timeout when Temporal is down); one more retries the spool.
 */
final class WebhookServer implements AutoCloseable {
  /** Requests handled at once; more wait in the accept queue. */
  private static final int THREADS = 4;

  /** How often spooled starts are retried while Temporal is down. */
  static final Duration SPOOL_RETRY = Duration.ofSeconds(30);

  private final HttpServer http;
  private final ExecutorService requests;
  private final ScheduledExecutorService retries;
  private final WebhookHandler handler;
  private final PrintWriter log;

  private WebhookServer(
      HttpServer http,
      ExecutorService requests,
      ScheduledExecutorService retries,
      WebhookHandler handler,
      PrintWriter log) {
    this.http = http;
    this.requests = requests;
    this.retries = retries;
    this.handler = handler;
    this.log = log;
  }

  /** Binds {@code address} (port 0: any free port) and serves until {@link #close()}. */
  static WebhookServer start(
      InetSocketAddress address, WebhookHandler handler, PrintWriter log, Duration spoolRetry) {
    HttpServer http;
    try {
      http = HttpServer.create(address, 50);
    } catch (IOException e) {
      throw new ConveyorCli.EnvironmentException(
          "cannot listen on "
              + address
              + " ("
              + e.getMessage()
              + "); pick another --port or --bind");
    }
    ExecutorService requests = Executors.newFixedThreadPool(THREADS);
    ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    WebhookServer server = new WebhookServer(http, requests, retries, handler, log);
    http.createContext("/", server::serve);
    http.setExecutor(requests);
    http.start();
    retries.scheduleWithFixedDelay(
        server::retrySpool, 0, spoolRetry.toMillis(), TimeUnit.MILLISECONDS);
    return server;
  }

  int port() {
    return http.getAddress().getPort();
  }

  private void serve(HttpExchange exchange) throws IOException {
    WebhookHandler.Reply reply;
    try {
      reply =
          handler.handle(
              new WebhookHandler.Request(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestHeaders()::getFirst,
                  exchange.getRequestBody()));
    } catch (RuntimeException e) {
      reply = new WebhookHandler.Reply(500, "internal error: " + TriggerStarter.reason(e));
    }
    log(exchange, reply);
    byte[] bytes = (reply.body() + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    if (reply.status() == 405) {
      exchange.getResponseHeaders().set("Allow", "POST");
    }
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream body = exchange.getResponseBody()) {
      body.write(bytes);
    } finally {
      exchange.close();
    }
  }

  private void retrySpool() {
    try {
      if (handler.spool().isEmpty()) {
        return;
      }
      Spool.FlushResult result = handler.flushSpool();
      synchronized (log) {
        for (StartOutcome outcome : result.started()) {
          log.println(Instant.now() + " spooled -> " + outcome.describe());
        }
        if (!result.kept().isEmpty()) {
          log.println(
              Instant.now()
                  + " "
                  + HookRunner.plural(result.kept().size(), "start")
                  + " still spooled ("
                  + result.kept().get(0).reason()
                  + "); next try in "
                  + SPOOL_RETRY.toSeconds()
                  + "s");
        }
        log.flush();
      }
    } catch (RuntimeException | Error e) {
      synchronized (log) {
        log.println(Instant.now() + " spool retry failed: " + TriggerStarter.reason(e));
        log.flush();
      }
    }
  }

  private void log(HttpExchange exchange, WebhookHandler.Reply reply) {
    String delivery = null;
    for (GitServer server : GitServer.values()) {
      for (String header : server.deliveryHeaders()) {
        if (delivery == null) {
          delivery = exchange.getRequestHeaders().getFirst(header);
        }
      }
    }
    synchronized (log) {
      log.println(
          Instant.now()
              + " "
              + exchange.getRequestMethod()
              + " "
              + exchange.getRequestURI().getPath()
              + " "
              + reply.status()
              + (delivery == null ? "" : " delivery=" + delivery)
              + " "
              + reply.body().lines().findFirst().orElse(""));
      log.flush();
    }
  }

  @Override
  public void close() {
    http.stop(1);
    retries.shutdownNow();
    requests.shutdown();
    try {
      if (!requests.awaitTermination(5, TimeUnit.SECONDS)) {
        requests.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      requests.shutdownNow();
    }
  }
}
