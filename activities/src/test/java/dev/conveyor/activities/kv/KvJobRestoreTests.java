package dev.conveyor.activities.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.activities.simulators.ConsulSimulator;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.KvActivities.KvRestoreRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's rollback puts {@code conveyor/<env>/jobs/<job>/image} back, not the service's key. */
class KvJobRestoreTests {
  private static final String BASE = "conveyor/prod/jobs/report";
  private static final String OLD = "localhost:5000/report@sha256:aaaa";
  private static final String NEW = "localhost:5000/report@sha256:bbbb";

  @TempDir Path dataDir;

  private KvActivitiesImpl activities() {
    return new KvActivitiesImpl(new KvSettings(dataDir, null, Duration.ofSeconds(5), 3));
  }

  private static KvRestoreRequest restore(String consulUrl, String expected, String image) {
    return new KvRestoreRequest(
        consulUrl, "prod", "report", expected, image, "c1", WorkloadKind.JOB);
  }

  @Test
  void restorePutsTheJobsEarlierImageBackWithTheRolledBackOneInPrevious() {
    try (ConsulSimulator consul = ConsulSimulator.start()) {
      KvActivitiesImpl kv = activities();
      kv.recordImage(new KvRequest(consul.url(), "prod", "report", OLD, "c1", WorkloadKind.JOB));
      kv.recordImage(new KvRequest(consul.url(), "prod", "report", NEW, "c2", WorkloadKind.JOB));
      kv.recordImage(new KvRequest(consul.url(), "prod", "report", NEW, "s1"));

      KvResult result = kv.restore(restore(consul.url(), NEW, OLD));

      assertThat(result).isEqualTo(new KvResult(BASE + "/image", NEW, true));
      assertThat(consul.value(BASE + "/image")).contains(OLD);
      assertThat(consul.value(BASE + "/previous")).contains(NEW);
      assertThat(consul.value(BASE + "/commit")).contains("c1");
      assertThat(consul.value("conveyor/prod/report/image"))
          .as("a service of the same name is untouched")
          .contains(NEW);
      assertThat(kv.restore(restore(consul.url(), NEW, OLD)).changed()).isFalse();
    }
  }

  @Test
  void restoreInTheFileStoreRefusesWhenANewerImageReplacedTheOneUndone() {
    KvActivitiesImpl kv = activities();
    kv.recordImage(new KvRequest(null, "prod", "report", OLD, "c1", WorkloadKind.JOB));
    kv.recordImage(new KvRequest(null, "prod", "report", NEW, "c2", WorkloadKind.JOB));

    assertThatThrownBy(() -> kv.restore(restore(null, "localhost:5000/report@sha256:zzzz", OLD)))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining(BASE + "/image holds " + NEW)
        .satisfies(
            e -> assertThat(((ApplicationFailure) e).getType()).isEqualTo(FailureTypes.CONFLICT));
    assertThat(kv.restore(restore(null, NEW, OLD)))
        .isEqualTo(new KvResult(BASE + "/image", NEW, true));
  }
}
