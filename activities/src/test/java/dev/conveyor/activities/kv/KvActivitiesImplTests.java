package dev.conveyor.activities.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.activities.simulators.ConsulSimulator;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvActivitiesImplTests {
  private static final String BASE = "conveyor/prod/billing";
  private static final String IMAGE_A = "localhost:5000/billing@sha256:aaaa";
  private static final String IMAGE_B = "localhost:5000/billing@sha256:bbbb";

  @TempDir Path dataDir;

  private KvActivitiesImpl activities(String token) {
    return new KvActivitiesImpl(new KvSettings(dataDir, token, Duration.ofSeconds(5), 3));
  }

  @Nested
  class OnConsul {
    private final ConsulSimulator consul = ConsulSimulator.start();

    @AfterEach
    void stop() {
      consul.close();
    }

    private KvRequest request(String image, String commit) {
      return new KvRequest(consul.url(), "prod", "billing", image, commit);
    }

    @Test
    void firstDeploymentSetsImageAndCommitAndHasNoPrevious() {
      KvResult result = activities(null).recordImage(request(IMAGE_A, "c1"));

      assertThat(result).isEqualTo(new KvResult(BASE + "/image", null, true));
      assertThat(consul.value(BASE + "/image")).contains(IMAGE_A);
      assertThat(consul.value(BASE + "/commit")).contains("c1");
      assertThat(consul.value(BASE + "/previous")).isEmpty();
    }

    @Test
    void nextDeploymentRecordsTheImageItReplacedInOneTransaction() {
      KvActivitiesImpl kv = activities(null);
      kv.recordImage(request(IMAGE_A, "c1"));

      KvResult result = kv.recordImage(request(IMAGE_B, "c2"));

      assertThat(result.previous()).isEqualTo(IMAGE_A);
      assertThat(result.changed()).isTrue();
      assertThat(consul.value(BASE + "/image")).contains(IMAGE_B);
      assertThat(consul.value(BASE + "/previous")).contains(IMAGE_A);
      assertThat(consul.value(BASE + "/commit")).contains("c2");
      assertThat(consul.modifyIndex(BASE + "/previous"))
          .isEqualTo(consul.modifyIndex(BASE + "/image"));
      assertThat(consul.count("PUT", "/v1/txn")).isEqualTo(2);
    }

    @Test
    void sameImageAgainWritesNothingAndReportsTheRecordedPrevious() {
      KvActivitiesImpl kv = activities(null);
      kv.recordImage(request(IMAGE_A, "c1"));
      kv.recordImage(request(IMAGE_B, "c2"));
      long index = consul.modifyIndex(BASE + "/image");

      KvResult again = kv.recordImage(request(IMAGE_B, "c2"));

      assertThat(again).isEqualTo(new KvResult(BASE + "/image", IMAGE_A, false));
      assertThat(consul.modifyIndex(BASE + "/image")).isEqualTo(index);
      assertThat(consul.count("PUT", "/v1/txn")).isEqualTo(2);
    }

    @Test
    void aLostRaceIsReadAgainAndTheWinnerBecomesPrevious() {
      consul.put(BASE + "/image", IMAGE_A);
      consul.beforeNextWrite(
          () -> consul.put(BASE + "/image", "localhost:5000/billing@sha256:race"));

      KvResult result = activities(null).recordImage(request(IMAGE_B, "c2"));

      assertThat(result.changed()).isTrue();
      assertThat(result.previous()).isEqualTo("localhost:5000/billing@sha256:race");
      assertThat(consul.value(BASE + "/image")).contains(IMAGE_B);
      assertThat(consul.value(BASE + "/previous")).contains("localhost:5000/billing@sha256:race");
      assertThat(consul.count("PUT", "/v1/txn")).isEqualTo(2);
    }

    @Test
    void losingEveryAttemptFailsTransientlyForTemporalToRetry() {
      consul.put(BASE + "/image", IMAGE_A);
      for (int i = 0; i < 3; i++) {
        String winner = "localhost:5000/billing@sha256:w" + i;
        consul.beforeNextWrite(() -> consul.put(BASE + "/image", winner));
      }

      assertThatThrownBy(() -> activities(null).recordImage(request(IMAGE_B, "c2")))
          .isInstanceOf(KvContentionException.class)
          .isNotInstanceOf(ApplicationFailure.class)
          .hasMessageContaining("3 times");
      assertThat(consul.value(BASE + "/image")).contains("localhost:5000/billing@sha256:w2");
    }

    @Test
    void withoutTheTokenConsulRequiresTheStepFailsUnauthorizedForGood() {
      consul.requireToken("s3cret");

      assertThatThrownBy(() -> activities(null).recordImage(request(IMAGE_A, "c1")))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo(FailureTypes.UNAUTHORIZED);
                assertThat(f.isNonRetryable()).isTrue();
                assertThat(f.getOriginalMessage()).contains("403").doesNotContain("s3cret");
              });
    }

    @Test
    void theWorkersTokenIsSentAndAccepted() {
      consul.requireToken("s3cret");

      assertThat(activities("s3cret").recordImage(request(IMAGE_A, "c1")).changed()).isTrue();
    }

    @Test
    void consulWithoutLeaderIsATransientFailure() {
      consul.failNext(1);

      assertThatThrownBy(() -> activities(null).recordImage(request(IMAGE_A, "c1")))
          .isInstanceOfSatisfying(
              ConsulException.class, e -> assertThat(e.status()).isEqualTo(500));
      assertThat(activities(null).recordImage(request(IMAGE_A, "c1")).changed()).isTrue();
    }
  }

  @Nested
  class OnTheFileStore {
    private KvRequest request(String image, String commit) {
      return new KvRequest(null, "prod", "billing", image, commit);
    }

    private FileKvStore files() {
      return new FileKvStore(dataDir.resolve("kv"), Duration.ofSeconds(5));
    }

    @Test
    void withoutConsulTheImageLandsInTheDataDir() {
      KvActivitiesImpl kv = activities(null);
      kv.recordImage(request(IMAGE_A, "c1"));

      KvResult result = kv.recordImage(request(IMAGE_B, "c2"));

      assertThat(result).isEqualTo(new KvResult(BASE + "/image", IMAGE_A, true));
      FileKvStore store = files();
      assertThat(store.get(BASE + "/image")).map(KvStore.Entry::value).contains(IMAGE_B);
      assertThat(store.get(BASE + "/previous")).map(KvStore.Entry::value).contains(IMAGE_A);
      assertThat(store.get(BASE + "/commit")).map(KvStore.Entry::value).contains("c2");
      assertThat(dataDir.resolve("kv/conveyor/prod/billing/image.kv")).isRegularFile();
    }

    @Test
    void retryAfterACrashBeforeTheImageWasWrittenRedoesEverything() {
      FileKvStore store = files();
      store.compareAndSet(BASE + "/image", IMAGE_A, 0);
      // the first attempt wrote previous and commit, then the worker died before image
      Map<String, String> partial = new LinkedHashMap<>();
      partial.put(BASE + "/commit", "c2");
      long index = store.get(BASE + "/image").orElseThrow().modifyIndex();
      store.compareAndSetWith(BASE + "/previous", IMAGE_A, 0, partial);
      assertThat(store.get(BASE + "/image").orElseThrow().modifyIndex()).isEqualTo(index);

      KvResult retried = activities(null).recordImage(request(IMAGE_B, "c2"));

      assertThat(retried).isEqualTo(new KvResult(BASE + "/image", IMAGE_A, true));
      assertThat(store.get(BASE + "/image")).map(KvStore.Entry::value).contains(IMAGE_B);
      assertThat(store.get(BASE + "/previous")).map(KvStore.Entry::value).contains(IMAGE_A);
    }

    @Test
    void retryAfterTheImageWasWrittenLeavesPreviousAlone() {
      KvActivitiesImpl kv = activities(null);
      kv.recordImage(request(IMAGE_A, "c1"));
      kv.recordImage(request(IMAGE_B, "c2"));
      long previousIndex = files().get(BASE + "/previous").orElseThrow().modifyIndex();

      KvResult retried = activities(null).recordImage(request(IMAGE_B, "c2"));

      assertThat(retried).isEqualTo(new KvResult(BASE + "/image", IMAGE_A, false));
      assertThat(files().get(BASE + "/previous").orElseThrow().modifyIndex())
          .isEqualTo(previousIndex);
    }

    @Test
    void anEnvironmentNameWithASlashIsRefusedAsInvalidDefinitions() {
      assertThatThrownBy(
              () ->
                  activities(null)
                      .recordImage(new KvRequest(null, "prod/x", "billing", IMAGE_A, "c1")))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS));
    }
  }
}
