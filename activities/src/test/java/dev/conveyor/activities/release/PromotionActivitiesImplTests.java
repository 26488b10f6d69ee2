package dev.conveyor.activities.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.kv.KvActivitiesImpl;
import dev.conveyor.activities.kv.KvReader;
import dev.conveyor.activities.kv.KvSettings;
import dev.conveyor.activities.marathon.MarathonSettings;
import dev.conveyor.activities.marathon.MarathonTarget;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.simulators.SimClock;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import dev.conveyor.workflows.steps.PromotionActivities.LiveService;
import dev.conveyor.workflows.steps.PromotionActivities.LiveStack;
import dev.conveyor.workflows.steps.PromotionActivities.LiveStackRequest;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A promotion's source read against a real config repo, the worker's file KV (written by the real
 * KV step) and the Marathon simulator as the source environment's target.
 */
class PromotionActivitiesImplTests {
  private static final String IMAGE_1 = "localhost:5000/accounts@sha256:" + "1".repeat(64);
  private static final String IMAGE_2 = "localhost:5000/accounts@sha256:" + "2".repeat(64);
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path dir;

  private final SimClock clock = new SimClock();
  private MarathonSimulator marathon;
  private ConfigRepoFixture config;
  private KvActivitiesImpl kv;
  private PromotionActivitiesImpl activities;

  @BeforeEach
  void setUp() {
    marathon =
        MarathonSimulator.start(clock)
            .deploymentDuration(Duration.ofSeconds(1))
            .tasksHealthyAfter(Duration.ofSeconds(1));
    config = ConfigRepoFixture.create(dir.resolve("remote"));
    config.pushFile(
        "marathon/billing.json",
        "{ \"id\": \"/billing\", \"container\": { \"docker\": { \"image\": \"\" } } }",
        "billing id");
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
            approval: required
        services:
          accounts:
            repo: ../accounts.git
            app: marathon/accounts.json
          billing:
            repo: ../billing.git
            app: marathon/billing.json
            dependsOn: [accounts]
        stacks:
          payments: [accounts, billing]
        """
            .formatted(marathon.url()),
        "qa on the simulator");
    Path data = dir.resolve("data");
    KvSettings kvSettings = new KvSettings(data, null, Duration.ofSeconds(5), 3);
    kv = new KvActivitiesImpl(kvSettings);
    activities =
        new PromotionActivitiesImpl(
            GitOpsSettings.defaults(data),
            new KvReader(kvSettings),
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

  private void runOnQa(String image) {
    ObjectNode app = new ObjectMapper().createObjectNode();
    app.put("id", "/accounts").put("instances", 2);
    app.putObject("container").put("type", "DOCKER").putObject("docker").put("image", image);
    app.putArray("healthChecks").addObject().put("protocol", "HTTP").put("path", "/health");
    marathon.seed(app);
    clock.advance(Duration.ofSeconds(5));
  }

  private LiveStack read(List<String> services) {
    return activities.readLive(
        new LiveStackRequest(config.remote().toString(), "payments", "qa", "prod", services));
  }

  @Test
  void aServiceIsLiveWhenQaRunsTheRecordedImageHealthy() {
    kv.recordImage(new KvRequest(null, "qa", "accounts", IMAGE_1, COMMIT));
    runOnQa(IMAGE_1);

    LiveStack stack = read(List.of("accounts"));

    assertThat(stack.configCommit()).isEqualTo(config.head());
    assertThat(stack.approvalRequired()).as("prod has approval: required").isTrue();
    assertThat(stack.services())
        .containsExactly(new LiveService("accounts", COMMIT, IMAGE_1, true, "2/2 healthy"));
  }

  @Test
  void anotherImageOnTheTargetOrNothingRecordedIsNotLive() {
    kv.recordImage(new KvRequest(null, "qa", "accounts", IMAGE_2, COMMIT));
    runOnQa(IMAGE_1);

    LiveStack stack = read(List.of());

    assertThat(stack.services())
        .containsExactly(
            new LiveService(
                "accounts",
                COMMIT,
                IMAGE_2,
                false,
                "qa runs " + IMAGE_1 + ", but KV records " + IMAGE_2),
            new LiveService("billing", null, null, false, "nothing recorded for billing on qa"));
  }

  @Test
  void aServiceOutsideTheStackIsInvalid() {
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> read(List.of("web")));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("cannot promote stack payments: web not in it (accounts, billing)");
  }
}
