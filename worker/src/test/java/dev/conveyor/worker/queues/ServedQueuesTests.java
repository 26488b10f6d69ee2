package dev.conveyor.worker.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.TaskQueues;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServedQueuesTests {
  @Test
  void acceptsShortAndFullNamesInAnyCaseAndOrder() {
    ServedQueues both = ServedQueues.parse(List.of(" Control", "conveyor-build"));

    assertThat(both.servesBuild()).isTrue();
    assertThat(both.servesControl()).isTrue();
    assertThat(both).hasToString("build,control");
  }

  @Test
  void buildOnlyExcludesTheControlQueueAndKeepsForeignQueues() {
    ServedQueues build = ServedQueues.parse(List.of("build"));

    assertThat(build.excludes(TaskQueues.CONTROL)).isTrue();
    assertThat(build.excludes(TaskQueues.BUILD)).isFalse();
    assertThat(build.excludes("someone-elses-queue")).isFalse();
  }

  @Test
  void rejectsAnUnknownNameNamingThePropertyAndTheChoices() {
    assertThatThrownBy(() -> ServedQueues.parse(List.of("build", "bild")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "conveyor.worker.queues: unknown queue 'bild'; use build, control or build,control");
  }

  @Test
  void rejectsAnEmptyList() {
    assertThatThrownBy(() -> ServedQueues.parse(List.of(" ", "")))
        .hasMessageContaining("conveyor.worker.queues is empty");
  }
}
