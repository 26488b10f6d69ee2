package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveriesTests {
  @TempDir Path dir;

  @Test
  void aKeyIsClaimedOnceWhileInFlightAndForeverOnceHandled() {
    Deliveries deliveries = new Deliveries(dir.resolve("d.log"), 10);

    assertThat(deliveries.claim(List.of("github:1", "sha256:a"))).isTrue();
    assertThat(deliveries.claim(List.of("github:2", "sha256:a"))).isFalse();
    deliveries.complete(List.of("github:1", "sha256:a"));

    assertThat(deliveries.claim(List.of("github:1", "sha256:b"))).isFalse();
    assertThat(new Deliveries(dir.resolve("d.log"), 10).claim(List.of("sha256:a"))).isFalse();
  }

  @Test
  void aReleasedClaimCanBeRetried() {
    Deliveries deliveries = new Deliveries(dir.resolve("d.log"), 10);
    deliveries.claim(List.of("github:1"));
    deliveries.release(List.of("github:1"));

    assertThat(deliveries.claim(List.of("github:1"))).isTrue();
  }

  @Test
  void onlyTheMostRecentKeysAreKept() {
    Deliveries deliveries = new Deliveries(dir.resolve("d.log"), 2);
    for (String key : List.of("a", "b", "c")) {
      deliveries.claim(List.of(key));
      deliveries.complete(List.of(key));
    }

    Deliveries reloaded = new Deliveries(dir.resolve("d.log"), 2);

    assertThat(reloaded.claim(List.of("a"))).isTrue();
    assertThat(reloaded.claim(List.of("b"))).isFalse();
    assertThat(reloaded.claim(List.of("c"))).isFalse();
  }
}
