package dev.conveyor.worker.health;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * One health component for a kind of endpoint (registries, Consul agents, Marathon masters): a GET
 * on each, UP when all answer as expected. Each endpoint appears in the details with "UP" or the
 * reason it is down, so a DOWN names the endpoint and the error. Read-only.
 */
final class HttpEndpointsHealthIndicator implements HealthIndicator {
  /**
   * One endpoint to call.
   *
   * @param url the URL to GET
   * @param authorization the Authorization header value, or null
   * @param verdict empty when the answer is healthy, else why not; gets the status and body
   */
  record Check(String url, String authorization, Function<Answer, Optional<String>> verdict) {}

  /** What the endpoint answered. */
  record Answer(int status, String body) {}

  /** Answers that count as "up": 2xx, and 401 (the endpoint answers; it wants credentials). */
  static Optional<String> answers(Answer answer) {
    return answer.status() / 100 == 2 || answer.status() == 401
        ? Optional.empty()
        : Optional.of("HTTP " + answer.status());
  }

  private static final int MAX_BODY = 4096;

  private final OkHttpClient http;
  private final List<Check> checks;

  HttpEndpointsHealthIndicator(OkHttpClient http, List<Check> checks) {
    this.http = http;
    this.checks = List.copyOf(checks);
  }

  @Override
  public Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    boolean allUp = true;
    for (Check check : checks) {
      Optional<String> problem = probe(check);
      details.put(check.url(), problem.orElse("UP"));
      allUp &= problem.isEmpty();
    }
    return (allUp ? Health.up() : Health.down()).withDetails(details).build();
  }

  private Optional<String> probe(Check check) {
    Request.Builder request = new Request.Builder().url(check.url()).get();
    if (check.authorization() != null) {
      request.header("Authorization", check.authorization());
    }
    try (Response response = http.newCall(request.build()).execute()) {
      String body = response.peekBody(MAX_BODY).string();
      return check.verdict().apply(new Answer(response.code(), body)).map(p -> "DOWN: " + p);
    } catch (IOException | RuntimeException e) {
      return Optional.of("DOWN: " + Endpoints.rootMessage(e));
    }
  }
}
