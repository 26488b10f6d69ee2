package dev.conveyor.activities.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Posts a JSON document to a webhook (generic or Slack-compatible) with an {@code Idempotency-Key}
 * header, so a receiver that honours it drops a retried duplicate. 2xx is delivered; 408, 429 and
 * 5xx, timeouts and connection errors are transient ({@link NotifierException}); any other 4xx is
 * {@link FailureTypes#REJECTED}. The resolved URL may carry a token (Slack puts it in the path), so
 * messages name the channel by its unresolved reference or its host only.
 */
final class HttpNotifier {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final OkHttpClient http;

  HttpNotifier(OkHttpClient http) {
    this.http = http;
  }

  /**
   * @param url the resolved URL (may hold a secret)
   * @param shownAs how messages name the target, e.g. {@code slack ${env:SLACK_HOOK}}
   * @return the HTTP status of the delivery
   */
  int post(HttpUrl url, String shownAs, ObjectNode body, String idempotencyKey) {
    Request request =
        new Request.Builder()
            .url(url)
            .header("Idempotency-Key", idempotencyKey)
            .header("User-Agent", "conveyor")
            .post(RequestBody.create(body.toString().getBytes(StandardCharsets.UTF_8), JSON))
            .build();
    try (Response response = http.newCall(request).execute()) {
      int code = response.code();
      if (response.isSuccessful()) {
        return code;
      }
      String said = snippet(response.body().string());
      String message = shownAs + " answered HTTP " + code + (said.isEmpty() ? "" : ": " + said);
      if (code >= 400 && code < 500 && code != 408 && code != 429) {
        throw ApplicationFailure.newNonRetryableFailure(
            message + " (the receiver refuses this request; check the notifier's URL and options)",
            FailureTypes.REJECTED);
      }
      throw new NotifierException(code, message);
    } catch (IOException e) {
      throw new NotifierException(
          shownAs + " did not answer: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
    }
  }

  private static String snippet(String body) {
    String text = body == null ? "" : body.strip();
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }
}
