package dev.conveyor.activities.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.activities.simulators.ConsulSimulator;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.KvActivities.KvRestoreRequest;
import dev.conveyor.workflows.steps.KvActivities.KvResult;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code KvActivities.restore}: a rollback's KV step, on Consul (simulator) and the file KV. */
class KvRestoreTests {
  private static final String BASE = "conveyor/prod/billing";
  private static final String OLD = "localhost:5000/billing@sha256:aaaa";
  private static final String NEW = "localhost:5000/billing@sha256:bbbb";
  private static final String NEWER = "localhost:5000/billing@sha256:cccc";

  @TempDir Path dataDir;

  private KvActivitiesImpl activities() {
    return new KvActivitiesImpl(new KvSettings(dataDir, null, Duration.ofSeconds(5), 3));
  }

  @Nested
  class OnConsul {
    private final ConsulSimulator consul = ConsulSimulator.start();

    @AfterEach
    void stop() {
      consul.close();
    }

    private KvActivitiesImpl deployedOldThenNew() {
      KvActivitiesImpl kv = activities();
      kv.recordImage(new KvRequest(consul.url(), "prod", "billing", OLD, "c1"));
      kv.recordImage(new KvRequest(consul.url(), "prod", "billing", NEW, "c2"));
      return kv;
    }

    private KvRestoreRequest restore(String expected, String image, String commit) {
      return new KvRestoreRequest(consul.url(), "prod", "billing", expected, image, commit);
    }

    @Test
    void restorePutsTheEarlierImageBackAndTheRolledBackOneInPrevious() {
      KvActivitiesImpl kv = deployedOldThenNew();

      KvResult result = kv.restore(restore(NEW, OLD, "c1"));

      assertThat(result).isEqualTo(new KvResult(BASE + "/image", NEW, true));
      assertThat(consul.value(BASE + "/image")).contains(OLD);
      assertThat(consul.value(BASE + "/previous")).contains(NEW);
      assertThat(consul.value(BASE + "/commit")).contains("c1");
    }

    @Test
    void restoreOfAnImageAlreadyThereWritesNothing() {
      KvActivitiesImpl kv = deployedOldThenNew();
      kv.restore(restore(NEW, OLD, "c1"));
      long index = consul.modifyIndex(BASE + "/image");
      long writes = consul.count("PUT", "/v1/txn");

      KvResult again = kv.restore(restore(NEW, OLD, "c1"));

      assertThat(again.changed()).isFalse();
      assertThat(consul.modifyIndex(BASE + "/image")).isEqualTo(index);
      assertThat(consul.count("PUT", "/v1/txn")).isEqualTo(writes);
    }

    @Test
    void restoreWithoutACommitDeletesTheCommitKey() {
      KvActivitiesImpl kv = deployedOldThenNew();

      kv.restore(restore(null, OLD, null));

      assertThat(consul.value(BASE + "/image")).contains(OLD);
      assertThat(consul.value(BASE + "/commit")).isEmpty();
    }

    @Test
    void restoreFailsForGoodWhenANewerDeploymentReplacedTheImage() {
      KvActivitiesImpl kv = deployedOldThenNew();
      kv.recordImage(new KvRequest(consul.url(), "prod", "billing", NEWER, "c3"));

      ApplicationFailure failure =
          catchThrowableOfType(ApplicationFailure.class, () -> kv.restore(restore(NEW, OLD, "c1")));

      assertThat(failure.getType()).isEqualTo(FailureTypes.CONFLICT);
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(consul.value(BASE + "/image")).contains(NEWER);
    }

    @Test
    void restoreWithoutAnExpectedImageReplacesWhateverIsThere() {
      KvActivitiesImpl kv = deployedOldThenNew();
      kv.recordImage(new KvRequest(consul.url(), "prod", "billing", NEWER, "c3"));

      KvResult result = kv.restore(restore(null, OLD, "c1"));

      assertThat(result.previous()).isEqualTo(NEWER);
      assertThat(consul.value(BASE + "/image")).contains(OLD);
      assertThat(consul.value(BASE + "/previous")).contains(NEWER);
    }
  }

  @Nested
  class OnTheFileStore {
    @Test
    void restoreWithoutConsulRewritesTheFilesInTheDataDir() {
      KvActivitiesImpl kv = activities();
      kv.recordImage(new KvRequest(null, "prod", "billing", OLD, "c1"));
      kv.recordImage(new KvRequest(null, "prod", "billing", NEW, "c2"));

      KvResult result = kv.restore(new KvRestoreRequest(null, "prod", "billing", NEW, OLD, "c1"));

      assertThat(result).isEqualTo(new KvResult(BASE + "/image", NEW, true));
      FileKvStore store = new FileKvStore(dataDir.resolve("kv"), Duration.ofSeconds(5));
      assertThat(store.get(BASE + "/image")).map(KvStore.Entry::value).contains(OLD);
      assertThat(store.get(BASE + "/previous")).map(KvStore.Entry::value).contains(NEW);
      assertThat(store.get(BASE + "/commit")).map(KvStore.Entry::value).contains("c1");
    }

    @Test
    void restoreOnTheFileStoreRefusesAfterANewerDeployment() {
      KvActivitiesImpl kv = activities();
      kv.recordImage(new KvRequest(null, "prod", "billing", NEW, "c2"));
      kv.recordImage(new KvRequest(null, "prod", "billing", NEWER, "c3"));

      ApplicationFailure failure =
          catchThrowableOfType(
              ApplicationFailure.class,
              () -> kv.restore(new KvRestoreRequest(null, "prod", "billing", NEW, OLD, "c1")));

      assertThat(failure.getType()).isEqualTo(FailureTypes.CONFLICT);
    }
  }
}
