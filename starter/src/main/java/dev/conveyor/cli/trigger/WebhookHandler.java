package dev.conveyor.cli.trigger;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Decides what one webhook request gets, in this order, so that nothing is parsed before the
 * signature checked out and nothing starts unless every check passed:
 *
 * <ol>
 *   <li>{@code /hooks/github|gitea|gitlab} only (404), {@code POST} only (405);
 *   <li>body larger than {@code maxBodyBytes}: 413, before it is kept; body shorter than its
 *       Content-Length: 400;
 *   <li>signature header missing, or matching no configured secret: 401;
 *   <li>Content-Type other than {@code application/json}: 415;
 *   <li>no event header: 400; a ping or a non-push event: 200, ignored;
 *   <li>a delivery already handled (same delivery id, or the same body): 200, nothing started;
 *   <li>malformed JSON or missing fields: 400; repository not configured: 404; the repository's own
 *       secret is not the one that signed it: 401;
 *   <li>the branch rules (same as the hook): ignored refs 200; a start 202 with the workflow id, or
 *       202 "spooled" when Temporal is unreachable (retried by the server, never lost).
 * </ol>
 */
final class WebhookHandler {
  static final String PREFIX = "/hooks/";

  /**
   * One request.
   *
   * @param header looks a request header up by name, case-insensitively; null when absent
   * @param body the request body, not yet read
   */
  record Request(String method, String path, Function<String, String> header, InputStream body) {}

  /** The status and a plain-text body that says why. */
  record Reply(int status, String body) {}

  private final WebhookConfig config;
  private final Deliveries deliveries;
  private final Spool spool;
  private final TriggerStarter starter;

  WebhookHandler(WebhookConfig config, Deliveries deliveries, Spool spool, TriggerStarter starter) {
    this.config = config;
    this.deliveries = deliveries;
    this.spool = spool;
    this.starter = starter;
  }

  Spool spool() {
    return spool;
  }

  /** Starts what is spooled; the server calls this periodically. */
  Spool.FlushResult flushSpool() {
    return spool.flush(starter::start);
  }

  Reply handle(Request request) {
    if (request.path().equals("/health")) {
      return new Reply(200, "ok");
    }
    GitServer server =
        request.path().startsWith(PREFIX)
            ? GitServer.fromPath(request.path().substring(PREFIX.length()))
            : null;
    if (server == null) {
      return new Reply(
          404,
          "no such endpoint "
              + request.path()
              + "; POST to /hooks/github, /hooks/gitea or /hooks/gitlab");
    }
    if (!request.method().equals("POST")) {
      return new Reply(
          405, request.method() + " is not allowed; " + server.label() + " webhooks POST");
    }
    byte[] body;
    try {
      body = readBody(request);
    } catch (IOException e) {
      return new Reply(400, "body could not be read to its end (" + e.getMessage() + ")");
    }
    if (body == null) {
      return new Reply(
          413, "body larger than " + config.maxBodyBytes() + " bytes (webhook.maxBodyBytes)");
    }
    String contentLength = request.header().apply("Content-Length");
    if (contentLength != null && body.length < parseLength(contentLength)) {
      return new Reply(400, "body ended after " + body.length + " of " + contentLength + " bytes");
    }
    String signature = request.header().apply(server.signatureHeader());
    if (signature == null || signature.isBlank()) {
      return new Reply(
          401,
          "missing "
              + server.signatureHeader()
              + "; set the webhook's secret in "
              + server.label());
    }
    List<byte[]> matched = new ArrayList<>();
    for (byte[] secret : config.candidateSecrets(server)) {
      if (server.signatureMatches(signature, body, secret)) {
        matched.add(secret);
      }
    }
    if (matched.isEmpty()) {
      return new Reply(
          401,
          server.signatureHeader()
              + " does not match the body with any configured secret (wrong secret, or the body was"
              + " changed or cut)");
    }
    String contentType = request.header().apply("Content-Type");
    if (!isJson(contentType)) {
      return new Reply(
          415,
          "Content-Type "
              + (contentType == null ? "missing" : "'" + contentType + "'")
              + "; set the webhook's content type to application/json");
    }
    String event = request.header().apply(server.eventHeader());
    if (event == null || event.isBlank()) {
      return new Reply(400, "missing " + server.eventHeader());
    }
    if (server.isPing(event)) {
      return new Reply(200, "pong");
    }
    if (!server.isPush(event)) {
      return new Reply(200, "ignored: event '" + event + "' is not a push");
    }
    List<String> keys = deliveryKeys(server, request, body);
    if (!deliveries.claim(keys)) {
      return new Reply(200, "delivery " + keys.get(0) + " already handled; nothing started");
    }
    try {
      Reply reply = push(server, body, matched);
      if (reply.status() < 300) {
        deliveries.complete(keys);
      } else {
        deliveries.release(keys);
      }
      return reply;
    } catch (RuntimeException e) {
      deliveries.release(keys);
      throw e;
    }
  }

  private Reply push(GitServer server, byte[] body, List<byte[]> matched) {
    PushEvent event;
    try {
      event = PushEvent.parse(server, body);
    } catch (PushEvent.BadPayload e) {
      return new Reply(400, "malformed push payload: " + e.getMessage());
    }
    WebhookConfig.Repo repo = config.repos().get(event.repository().toLowerCase(Locale.ROOT));
    if (repo == null) {
      return new Reply(
          404,
          "repository "
              + event.repository()
              + " is not configured; add a [repo \""
              + event.repository()
              + "\"] section to the webhook config");
    }
    byte[] expected = config.secretFor(repo, server);
    if (expected == null || matched.stream().noneMatch(s -> MessageDigest.isEqual(s, expected))) {
      return new Reply(
          401,
          server.signatureHeader() + " does not match the secret configured for " + repo.name());
    }
    PushRouter.Decision decision =
        new PushRouter(repo.trigger())
            .route(List.of(event.update()), "webhook:" + server.path() + ":" + event.pusher())
            .get(0);
    String ref = event.update().ref();
    if (decision instanceof PushRouter.Ignore ignore) {
      return new Reply(200, ref + " ignored (" + ignore.reason() + ")");
    }
    PendingStart start = ((PushRouter.Start) decision).start();
    try {
      return new Reply(202, ref + " -> " + starter.start(start).describe());
    } catch (RuntimeException e) {
      spool.add(List.of(start));
      return new Reply(
          202,
          ref
              + " -> spooled "
              + start.describe()
              + " ("
              + TriggerStarter.reason(e)
              + "); it starts when Temporal answers");
    }
  }

  /**
   * Reads at most {@code maxBodyBytes}; null when the body is larger. A declared Content-Length
   * over the limit is refused before anything is read into memory.
   */
  private byte[] readBody(Request request) throws IOException {
    long max = config.maxBodyBytes();
    String declared = request.header().apply("Content-Length");
    if (declared != null && parseLength(declared) > max) {
      discard(request.body());
      return null;
    }
    byte[] body = request.body().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    if (body.length > max) {
      discard(request.body());
      return null;
    }
    return body;
  }

  /**
   * Reads and drops the rest of an oversize body (up to a bound), so the sender reads the 413
   * instead of a reset connection; memory use stays constant.
   */
  private static void discard(InputStream body) {
    byte[] buffer = new byte[16 * 1024];
    long left = 64L * 1024 * 1024;
    try {
      for (int n = body.read(buffer); n > 0 && left > 0; n = body.read(buffer)) {
        left -= n;
      }
    } catch (IOException e) {
      // the sender went away; the 413 is still the answer
    }
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String media = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return media.trim().equalsIgnoreCase("application/json");
  }

  /**
   * The server's delivery ids plus a digest of the body: GitLab before 17.4 sends a new id on each
   * retry, and a retried body is byte for byte the same.
   */
  private static List<String> deliveryKeys(GitServer server, Request request, byte[] body) {
    List<String> keys = new ArrayList<>();
    for (String header : server.deliveryHeaders()) {
      String value = request.header().apply(header);
      if (value != null && !value.isBlank()) {
        keys.add(server.path() + ":" + value.trim());
      }
    }
    try {
      keys.add(
          "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
    return keys;
  }
}
