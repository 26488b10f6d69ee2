package dev.conveyor.worker.queues;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** One scrape of a worker's {@code /actuator/prometheus}, in the Prometheus text format. */
record PrometheusScrape(String text) {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static PrometheusScrape of(int port) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "/actuator/prometheus on " + port + " answered " + response.statusCode());
    }
    return new PrometheusScrape(response.body());
  }

  /** The sum of every sample of {@code metric} whose labels include all of {@code labels}. */
  double sum(String metric, Map<String, String> labels) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(metric + "{")) {
        continue;
      }
      int close = line.lastIndexOf('}');
      String labelText = line.substring(metric.length() + 1, close);
      boolean matches =
          labels.entrySet().stream()
              .allMatch(
                  e -> ("," + labelText).contains("," + e.getKey() + "=\"" + e.getValue() + "\""));
      if (matches) {
        total += Double.parseDouble(line.substring(close + 1).trim().split(" ")[0]);
      }
    }
    return total;
  }
}
