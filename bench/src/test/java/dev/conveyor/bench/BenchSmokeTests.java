package dev.conveyor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.testserver.TestServer;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario at a tiny size, so the harness keeps working; no timing is asserted here (the
 * numbers come from the documented command, see docs/benchmarks.md).
 */
class BenchSmokeTests {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path out;

  @Test
  void everyScenarioRunsAtATinySizeAndWritesItsJson() throws Exception {
    List<Path> written = Bench.run("smoke", Map.of(), new Results(out));

    assertThat(written).hasSize(5);
    assertThat(read("overhead-6-x0.01.json").path("parameters").path("server").asText())
        .contains("lock list patched");
    JsonNode overhead = read("overhead-6-x0.01.json").path("result");
    assertThat(overhead.path("outcome").asText()).isEqualTo("SUCCEEDED");
    // no release can beat the critical path: the bound is a lower bound
    assertThat(overhead.path("wallMillis").asLong())
        .isGreaterThanOrEqualTo(overhead.path("criticalPathMillis").asLong());
    assertThat(overhead.path("sequentialWallMillis").asLong())
        .isGreaterThanOrEqualTo(overhead.path("sequentialLowerBoundMillis").asLong());
    assertThat(overhead.path("breakdown").path("gateReactionMillis").path("count").asInt())
        .isEqualTo(6);
    assertThat(overhead.path("breakdown").path("layers")).hasSize(3);
    assertThat(overhead.path("startup").path("resolveScheduledMillis").path("count").asInt())
        .isEqualTo(6);

    JsonNode capacity = read("capacity-5-smoke.json").path("result");
    assertThat(capacity.path("completed").asInt()).isEqualTo(5);
    assertThat(capacity.path("errors").asInt()).isZero();
    assertThat(capacity.path("peakHeapUsedBytes").asLong()).isPositive();
    assertThat(capacity.path("workflowTaskScheduleToStartMillis")).isNotEmpty();

    JsonNode ramp = read("capacity-5-smoke-ramp.json");
    assertThat(ramp.path("parameters").path("start").asText()).isEqualTo("50.0 per second");
    assertThat(ramp.path("parameters").path("stepMillis").path("health").asLong()).isEqualTo(100);
    assertThat(ramp.path("result").path("completed").asInt()).isEqualTo(5);
    assertThat(ramp.path("result").path("peakInFlight").asInt()).isBetween(1, 5);

    for (String gate : List.of("poll", "events")) {
      JsonNode health = read("health-" + gate + ".json");
      assertThat(health.path("parameters").path("gate").asText()).isEqualTo(gate);
      assertThat(health.path("result").path("reactionMillis").path("count").asInt()).isEqualTo(2);
      // the next step can only start after the app turned healthy
      assertThat(health.path("result").path("reactionMillis").path("min").asDouble())
          .isNotNegative();
    }
  }

  @Test
  void theCriticalPathOfAGeneratedStackFollowsItsLongestChain() {
    GeneratedStack stack = GeneratedStack.generate("s", 100, 5, 42);
    StepDurations d = StepDurations.issueExample().scaled(0.1);

    assertThat(stack.layers()).hasSize(5).allSatisfy(layer -> assertThat(layer).isNotEmpty());
    assertThat(stack.size()).isEqualTo(100);
    // builds at once (300 ms), then five rollouts of deploy + health (300 ms each)
    assertThat(stack.criticalPathMillis(d)).isEqualTo(300 + 5 * 300);
    assertThat(stack.sequentialMillis(d)).isEqualTo(100 * 600);
    assertThat(GeneratedStack.generate("s", 100, 5, 42).dependsOn()).isEqualTo(stack.dependsOn());
  }

  @Test
  void theLockListPatchInstallsOnThisSdksTestServerAndKeepsItsEvents() throws Exception {
    try (TestServer.InProcessTestServer server = TestServer.createServer(true)) {
      Object timer = field(server.getWorkflowService(), "selfAdvancingTimer");
      int before = ((List<?>) field(timer, "lockEvents")).size();

      TestServerLockList.install(server);

      Object events = field(timer, "lockEvents");
      assertThat(events).isInstanceOf(TestServerLockList.NewestFirstRemoval.class);
      // the server's own lock (taken by createServer(true)) is still there
      assertThat((List<?>) events).hasSize(before).isNotEmpty();
    }
  }

  @Test
  void theNewestFirstListRemovesExactlyTheObjectAskedFor() {
    TestServerLockList.NewestFirstRemoval list = new TestServerLockList.NewestFirstRemoval();
    Object first = new Object();
    Object second = new Object();
    Object third = new Object();
    list.addAll(List.of(first, second, third));

    assertThat(list.remove(second)).isTrue();
    assertThat(list).containsExactly(first, third);
    assertThat(list.remove(new Object())).isFalse();
    assertThat(list).containsExactly(first, third);
  }

  @Test
  void aBadOptionIsRefusedWithTheArgumentNamed() {
    assertThatThrownBy(() -> Bench.run("smoke", Map.of("server", "fast"), new Results(out)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--server")
        .hasMessageContaining("fast");
    assertThatThrownBy(() -> Bench.options(new String[] {"overhead", "services=10"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("services=10");
    assertThatThrownBy(() -> Bench.run("overhead", Map.of("services", "ten"), new Results(out)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--services")
        .hasMessageContaining("ten");
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }

  private JsonNode read(String name) throws Exception {
    return JSON.readTree(Files.readString(out.resolve(name)));
  }
}
