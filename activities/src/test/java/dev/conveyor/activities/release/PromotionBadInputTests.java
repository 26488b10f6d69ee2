package dev.conveyor.activities.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.kv.KvActivitiesImpl;
import dev.conveyor.activities.kv.KvReader;
import dev.conveyor.activities.kv.KvSettings;
import dev.conveyor.activities.marathon.MarathonSettings;
import dev.conveyor.activities.marathon.MarathonTarget;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.simulators.SimClock;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.PromotionActivities.LiveService;
import dev.conveyor.workflows.steps.PromotionActivities.LiveStackRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A KV value that is not an image reference (written by hand, or by another tool) where a promotion
 * reads what is live: the service is not live, the reason names the key and the value, and nothing
 * is written anywhere: KV keeps its value, the source Marathon gets no PUT. Listed in
 * docs/bad-inputs.md.
 */
class PromotionBadInputTests {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path dir;

  private final SimClock clock = new SimClock();
  private MarathonSimulator marathon;
  private ConfigRepoFixture config;
  private KvActivitiesImpl kv;
  private PromotionActivitiesImpl activities;

  @BeforeEach
  void setUp() {
    marathon = MarathonSimulator.start(clock);
    config = ConfigRepoFixture.create(dir.resolve("remote"));
    config.pushFile(
        "conveyor.yaml",
        """
        version: 1
        registry: localhost:5000
        environments:
          qa:
            target: marathon
            marathon: { url: "%s" }
          prod:
            target: docker
        services:
          accounts:
            repo: ../accounts.git
            app: marathon/accounts.json
        stacks:
          payments: [accounts]
        """
            .formatted(marathon.url()),
        "qa on the simulator");
    KvSettings settings = new KvSettings(dir.resolve("data"), null, Duration.ofSeconds(5), 3);
    kv = new KvActivitiesImpl(settings);
    activities =
        new PromotionActivitiesImpl(
            GitOpsSettings.defaults(dir.resolve("data")),
            new KvReader(settings),
            List.of(
                new MarathonTarget(
                    new MarathonSettings(
                        null,
                        null,
                        null,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(5),
                        Duration.ofMillis(20)))));
  }

  @AfterEach
  void stop() {
    marathon.close();
  }

  @Test
  void aKvValueThatIsNotAnImageReferenceIsNotLiveAndNothingIsWritten() throws Exception {
    kv.recordImage(new KvRequest(null, "qa", "accounts", "billing:latest", COMMIT));
    Path file = dir.resolve("data/kv/conveyor/qa/accounts/image.kv");
    String before = Files.readString(file);

    List<LiveService> services =
        activities
            .readLive(
                new LiveStackRequest(
                    config.remote().toString(), "payments", "qa", "prod", List.of()))
            .services();

    assertThat(services)
        .containsExactly(
            new LiveService(
                "accounts",
                COMMIT,
                "billing:latest",
                false,
                "conveyor/qa/accounts/image holds 'billing:latest', which is not a digest-pinned"
                    + " image reference (<registry>/<name>@sha256:…); deploy accounts to qa again"
                    + " to record one"));
    assertThat(Files.readString(file)).isEqualTo(before);
    assertThat(marathon.putBodies("/accounts")).isEmpty();
  }
}
