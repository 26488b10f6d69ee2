package dev.conveyor.activities.chronos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The few Chronos scheduler API calls Conveyor needs, under the environment's prefix ({@code
 * /v1/scheduler} on 3.x, {@code /scheduler} on 2.x). Every call has the {@link OkHttpClient}'s
 * timeouts; every non-2xx answer becomes a {@link ChronosException} with the status and Chronos's
 * own words. The {@code Authorization} header comes from worker settings and is never logged.
 */
final class ChronosClient {
  /** {@code POST <prefix>/iso8601}: a job that runs on its schedule. */
  static final String SCHEDULED = "iso8601";

  /** {@code POST <prefix>/dependency}: a job that runs after its parents. */
  static final String DEPENDENT = "dependency";

  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int MAX_SAID = 500;

  private final HttpUrl base;
  private final String prefix;
  private final OkHttpClient http;
  private final String authorization;

  /**
   * @param base Chronos's base URL
   * @param prefix the API prefix, e.g. {@code /v1/scheduler}
   */
  ChronosClient(HttpUrl base, String prefix, OkHttpClient http, String authorization) {
    this.base = base;
    this.prefix = prefix.replaceAll("^/+|/+$", "");
    this.http = http;
    this.authorization = authorization;
  }

  /** Which endpoint registers {@code job}: {@link #DEPENDENT} when it has parents. */
  static String endpointFor(JsonNode job) {
    JsonNode parents = job.path("parents");
    return parents.isArray() && !parents.isEmpty() ? DEPENDENT : SCHEDULED;
  }

  /**
   * Creates or replaces the job named in {@code job}: {@code POST <prefix>/iso8601} or {@code
   * <prefix>/dependency} (Chronos answers 204). Chronos upserts by name, so posting the same
   * definition twice leaves one job.
   *
   * @return the endpoint used
   */
  String upsert(ObjectNode job) {
    String endpoint = endpointFor(job);
    byte[] body = job.toString().getBytes(StandardCharsets.UTF_8);
    call(
        new Request.Builder().url(url(endpoint)).post(RequestBody.create(body, JSON)),
        "POST " + path(endpoint));
    return endpoint;
  }

  /** {@code GET <prefix>/jobs}: every job Chronos knows, with its run statistics. */
  List<ChronosJob> jobs() {
    String text = call(new Request.Builder().url(url("jobs")).get(), "GET " + path("jobs"));
    JsonNode body;
    try {
      body = MAPPER.readTree(text);
    } catch (IOException e) {
      throw new ChronosException(
          200,
          "Chronos at " + base + " answered GET " + path("jobs") + " with something not JSON",
          abbreviate(text));
    }
    List<ChronosJob> jobs = new ArrayList<>();
    if (body != null) {
      for (JsonNode job : body) {
        if (job instanceof ObjectNode object) {
          jobs.add(ChronosJob.from(object));
        }
      }
    }
    return jobs;
  }

  /** The job called {@code name} in the listing, or empty when Chronos does not have it. */
  Optional<ChronosJob> job(String name) {
    return jobs().stream().filter(j -> j.name().equals(name)).findFirst();
  }

  /** {@code PUT <prefix>/job/<name>}: starts one run now (Chronos answers 204). */
  void run(String name) {
    HttpUrl url =
        base.newBuilder()
            .addPathSegments(prefix)
            .addPathSegment("job")
            .addPathSegment(name)
            .build();
    call(
        new Request.Builder().url(url).put(RequestBody.create(new byte[0], null)),
        "PUT " + path("job/" + name));
  }

  private String call(Request.Builder builder, String what) {
    builder.header("Accept", "application/json");
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    try (Response response = http.newCall(builder.build()).execute()) {
      String text = response.body().string();
      if (!response.isSuccessful()) {
        String said = text.isBlank() ? null : abbreviate(text.strip());
        throw new ChronosException(
            response.code(),
            "Chronos at "
                + base
                + " answered HTTP "
                + response.code()
                + " to "
                + what
                + (said == null ? "" : ": " + said),
            said);
      }
      return text;
    } catch (IOException e) {
      throw new ChronosException(
          "Chronos at " + base + " did not answer " + what + ": " + e.getMessage(), e);
    }
  }

  private HttpUrl url(String endpoint) {
    return base.newBuilder().addPathSegments(prefix).addPathSegments(endpoint).build();
  }

  private String path(String endpoint) {
    return "/" + prefix + "/" + endpoint;
  }

  private static String abbreviate(String text) {
    return text.length() > MAX_SAID ? text.substring(0, MAX_SAID) + "…" : text;
  }
}
