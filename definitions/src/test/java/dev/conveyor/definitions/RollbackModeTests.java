package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RollbackModeTests {
  @Test
  void productionLikeNamesDefaultToManualAndTheRestToAuto() {
    assertThat(Environment.defaultAutoRollback("prod")).isFalse();
    assertThat(Environment.defaultAutoRollback("production")).isFalse();
    assertThat(Environment.defaultAutoRollback("prod-eu")).isFalse();
    assertThat(Environment.defaultAutoRollback("qa")).isTrue();
    assertThat(Environment.defaultAutoRollback("staging")).isTrue();
  }

  @Test
  void theShortConstructorAppliesTheDefaultForTheName() {
    Environment qa =
        new Environment(
            "qa", Target.DOCKER, Optional.empty(), Optional.empty(), false, Duration.ofMinutes(1));
    assertThat(qa.autoRollback()).isTrue();
  }
}
