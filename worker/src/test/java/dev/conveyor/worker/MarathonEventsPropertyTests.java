package dev.conveyor.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * {@code conveyor.worker.marathon.events}: the event-driven health gate, on unless switched off.
 */
class MarathonEventsPropertyTests {
  private static WorkerProperties bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("conveyor.worker", WorkerProperties.class);
  }

  @Test
  void theEventGateIsOnByDefault() {
    assertThat(bind(Map.of()).marathon().events()).isTrue();
  }

  @Test
  void theEventGateCanBeSwitchedOffAlongsideTheCredentials() {
    WorkerProperties properties =
        bind(
            Map.of(
                "conveyor.worker.marathon.events", "false",
                "conveyor.worker.marathon.username", "ops",
                "conveyor.worker.marathon.timeout", "5s"));

    assertThat(properties.marathon().events()).isFalse();
    assertThat(properties.marathon().username()).isEqualTo("ops");
    assertThat(properties.marathon().timeout()).hasSeconds(5);
  }
}
