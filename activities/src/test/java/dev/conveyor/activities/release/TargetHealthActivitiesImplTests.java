package dev.conveyor.activities.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.marathon.MarathonSettings;
import dev.conveyor.activities.marathon.MarathonTarget;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.simulators.SimClock;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveCheck;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveReport;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code checkLive} reads the target, app id and health check from the definitions at the given
 * config commit (a real bare repo) and asks the Marathon simulator once.
 */
class TargetHealthActivitiesImplTests {
  private static final String IMAGE = "localhost:5000/accounts@sha256:1111";

  @TempDir Path dir;

  private final SimClock clock = new SimClock();
  private MarathonSimulator marathon;
  private ConfigRepoFixture config;
  private TargetHealthActivitiesImpl activities;
  private String configCommit;

  @BeforeEach
  void setUp() {
    marathon =
        MarathonSimulator.start(clock)
            .deploymentDuration(Duration.ofSeconds(1))
            .tasksHealthyAfter(Duration.ofSeconds(1));
    config = ConfigRepoFixture.create(dir.resolve("remote"));
    configCommit =
        config.pushFile(
            "conveyor.yaml",
            """
            version: 1
            registry: localhost:5000
            environments:
              prod:
                target: marathon
                marathon: { url: "%s" }
            services:
              accounts:
                repo: ../accounts.git
                app: marathon/accounts.json
            stacks:
              payments: [accounts]
            """
                .formatted(marathon.url()),
            "prod on the simulator");
    activities =
        new TargetHealthActivitiesImpl(
            GitOpsSettings.defaults(dir.resolve("data")),
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

  private LiveReport check(String service) {
    return activities.checkLive(
        new LiveCheck(config.remote().toString(), configCommit, "prod", service));
  }

  @Test
  void notDeployedThenHealthyWithTheImageMarathonRuns() {
    assertThat(check("accounts"))
        .isEqualTo(new LiveReport(false, 0, 0, null, "not deployed on prod (no app /accounts)"));

    ObjectNode app = new ObjectMapper().createObjectNode();
    app.put("id", "/accounts").put("instances", 2);
    app.putObject("container").put("type", "DOCKER").putObject("docker").put("image", IMAGE);
    app.putArray("healthChecks").addObject().put("protocol", "HTTP").put("path", "/health");
    marathon.seed(app);
    clock.advance(Duration.ofSeconds(5));

    assertThat(check("accounts")).isEqualTo(new LiveReport(true, 2, 2, IMAGE, "2/2 healthy"));
  }

  @Test
  void anUnknownServiceIsInvalidDefinitions() {
    ApplicationFailure failure =
        catchThrowableOfType(ApplicationFailure.class, () -> check("billing"));
    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("conveyor.yaml has no service 'billing' (it has accounts)");
  }
}
