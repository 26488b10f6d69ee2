package dev.conveyor.activities.testing;

import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.docker.DockerClients;
import dev.conveyor.activities.docker.DockerSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 condition for tests that need the real Docker engine, the registry and the busybox
 * binary. Use {@code @ExtendWith(DockerRequired.class)} or {@link RequiresDocker}.
 *
 * <p>It pings the engine (docker-java, {@code DOCKER_HOST} or the local socket) and sends {@code
 * GET /v2/} to the registry ({@link #registry()}, 127.0.0.1:5000 unless {@code
 * CONVEYOR_REGISTRY_ADDR} says otherwise), once per test run. When something is missing, the test
 * is skipped with a message that names what is missing and how to start it. With {@code
 * -Drequire.docker=true} (CI) the same message fails the test instead, so a CI machine without an
 * engine cannot pass by skipping everything.
 */
public final class DockerRequired implements ExecutionCondition {
  /** System property that turns a skip into a failure. */
  public static final String REQUIRE_PROPERTY = "require.docker";

  /** Environment variable that moves the registry, as in {@code scripts/start-services.sh}. */
  public static final String REGISTRY_ENV = "CONVEYOR_REGISTRY_ADDR";

  public static final String DEFAULT_REGISTRY = "127.0.0.1:5000";

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(DockerRequired.class);

  /** The registry the tests push to: {@code host:port}. */
  public static String registry() {
    String fromEnv = System.getenv(REGISTRY_ENV);
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_REGISTRY : fromEnv.trim();
  }

  /** Whether missing services fail the run ({@code -Drequire.docker=true}) instead of skipping. */
  public static boolean required() {
    return Boolean.parseBoolean(System.getProperty(REQUIRE_PROPERTY, "false"));
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Probe probe =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(Probe.class, k -> probe(), Probe.class);
    if (probe.problems().isEmpty()) {
      return ConditionEvaluationResult.enabled(
          "Docker engine and registry " + registry() + " answer");
    }
    String message = message(probe.problems());
    if (required()) {
      throw new IllegalStateException(message);
    }
    return ConditionEvaluationResult.disabled(message);
  }

  static String message(List<String> problems) {
    return "Docker-backed test needs: "
        + String.join("; ", problems)
        + ". Start the services with scripts/start-services.sh (as root; it installs and starts"
        + " dockerd and docker-registry on "
        + registry()
        + "), then rerun. "
        + (required()
            ? "Failing because -D" + REQUIRE_PROPERTY + "=true."
            : "Skipped; -D" + REQUIRE_PROPERTY + "=true turns this into a failure.");
  }

  private static Probe probe() {
    List<String> problems = new ArrayList<>();
    pingEngine().ifPresent(problems::add);
    pingRegistry().ifPresent(problems::add);
    if (BusyboxImages.findBusybox().isEmpty()) {
      problems.add(
          "a static busybox binary at /bin/busybox or /usr/bin/busybox (apt-get install"
              + " busybox-static)");
    }
    return new Probe(List.copyOf(problems));
  }

  private static Optional<String> pingEngine() {
    DockerSettings settings = new DockerSettings(null, PROBE_TIMEOUT, PROBE_TIMEOUT);
    String where =
        Optional.ofNullable(System.getenv("DOCKER_HOST")).orElse("unix:///var/run/docker.sock");
    try (DockerClient docker = DockerClients.open(settings)) {
      docker.pingCmd().exec();
      return Optional.empty();
    } catch (RuntimeException | IOException e) {
      return Optional.of("a Docker engine at " + where + " (ping failed: " + rootMessage(e) + ")");
    }
  }

  private static Optional<String> pingRegistry() {
    OkHttpClient http =
        new OkHttpClient.Builder()
            .connectTimeout(PROBE_TIMEOUT)
            .readTimeout(PROBE_TIMEOUT)
            .callTimeout(PROBE_TIMEOUT)
            .build();
    String url = "http://" + registry() + "/v2/";
    try (Response response = http.newCall(new Request.Builder().url(url).get().build()).execute()) {
      // 401 still proves a registry answers; the tests' registry needs no auth.
      if (response.code() == 200 || response.code() == 401) {
        return Optional.empty();
      }
      return Optional.of("a registry at " + url + " (it answered HTTP " + response.code() + ")");
    } catch (IOException | RuntimeException e) {
      return Optional.of("a registry at " + url + " (" + rootMessage(e) + ")");
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }

  private record Probe(List<String> problems) {}
}
