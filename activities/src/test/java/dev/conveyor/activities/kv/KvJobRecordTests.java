package dev.conveyor.activities.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.activities.simulators.ConsulSimulator;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's image record lives under {@code conveyor/<env>/jobs/<job>/}, apart from services'. */
class KvJobRecordTests {
  private static final String IMAGE_A = "localhost:5000/report@sha256:aaaa";
  private static final String IMAGE_B = "localhost:5000/report@sha256:bbbb";

  @TempDir Path dataDir;

  private KvActivitiesImpl activities() {
    return new KvActivitiesImpl(new KvSettings(dataDir, null, Duration.ofSeconds(5), 3));
  }

  private static KvRequest job(String consulUrl, String image, String commit) {
    return new KvRequest(consulUrl, "prod", "report", image, commit, WorkloadKind.JOB);
  }

  @Test
  void aJobsRecordGoesUnderJobsOnConsulWithItsPrevious() {
    try (ConsulSimulator consul = ConsulSimulator.start()) {
      KvActivitiesImpl kv = activities();
      kv.recordImage(job(consul.url(), IMAGE_A, "c1"));

      KvResult result = kv.recordImage(job(consul.url(), IMAGE_B, "c2"));

      assertThat(result).isEqualTo(new KvResult("conveyor/prod/jobs/report/image", IMAGE_A, true));
      assertThat(consul.value("conveyor/prod/jobs/report/image")).contains(IMAGE_B);
      assertThat(consul.value("conveyor/prod/jobs/report/previous")).contains(IMAGE_A);
      assertThat(consul.value("conveyor/prod/jobs/report/commit")).contains("c2");
      assertThat(consul.value("conveyor/prod/report/image")).isEmpty();
    }
  }

  @Test
  void aJobAndAServiceOfTheSameNameKeepSeparateRecordsInTheFileStore() {
    KvActivitiesImpl kv = activities();
    kv.recordImage(new KvRequest(null, "prod", "report", IMAGE_A, "c1"));

    KvResult job = kv.recordImage(job(null, IMAGE_B, "c2"));

    assertThat(job).isEqualTo(new KvResult("conveyor/prod/jobs/report/image", null, true));
    assertThat(Files.exists(dataDir.resolve("kv/conveyor/prod/jobs/report/image.kv"))).isTrue();
    assertThat(kv.recordImage(new KvRequest(null, "prod", "report", IMAGE_A, "c1")).changed())
        .as("the service's record is untouched")
        .isFalse();
  }

  @Test
  void aJobNameWithASlashIsRefusedAsInvalidDefinitions() {
    assertThatThrownBy(
            () ->
                activities()
                    .recordImage(
                        new KvRequest(null, "prod", "a/b", IMAGE_A, "c1", WorkloadKind.JOB)))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("job 'a/b' cannot be a KV key segment")
        .satisfies(
            f ->
                assertThat(((ApplicationFailure) f).getType())
                    .isEqualTo(FailureTypes.INVALID_DEFINITIONS));
  }
}
