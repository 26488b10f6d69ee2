package dev.conveyor.activities.chronos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.simulators.ChronosSimulator;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.JobActivities;
import dev.conveyor.workflows.steps.JobActivities.RegisterJobRequest;
import dev.conveyor.workflows.steps.JobActivities.Scheduler;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Clock;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Job definitions Chronos refuses with 400: the register step fails for good with Chronos's own
 * words, and Chronos holds no job afterwards (nothing half-registered). Listed in
 * docs/bad-inputs.md.
 */
class ChronosBadInputTests {
  private static final String IMAGE = "localhost:5000/report@sha256:" + "ab".repeat(32);
  private static final String CONFIG_COMMIT = "c0ffee" + "0".repeat(34);

  private final ChronosSimulator chronos = ChronosSimulator.start();
  private TestActivityEnvironment environment;
  private ObjectNode committed;
  private JobActivities activities;

  @BeforeEach
  void start() {
    environment = TestActivityEnvironment.newInstance();
    environment.registerActivitiesImplementations(
        new ChronosActivitiesImpl(
            new ChronosSettings(
                null, null, Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofMillis(300)),
            (definitions, configCommit, path) -> committed.deepCopy(),
            (UnaryOperator<String>) name -> null,
            Clock.systemUTC()));
    activities =
        environment.newActivityStub(
            JobActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void stop() {
    environment.close();
    chronos.close();
  }

  private ApplicationFailure register(String name, String when) throws Exception {
    committed =
        (ObjectNode)
            new ObjectMapper()
                .readTree(
                    "{\"name\":\""
                        + name
                        + "\",\"command\":\"/run\","
                        + when
                        + ",\"mem\":256,\"container\":{\"type\":\"DOCKER\",\"image\":\""
                        + IMAGE
                        + "\"}}");
    Throwable thrown =
        catchThrowable(
            () ->
                activities.registerJob(
                    new RegisterJobRequest(
                        new Scheduler("qa", chronos.url(), ChronosSimulator.V3),
                        "/defs",
                        CONFIG_COMMIT,
                        "chronos/qa/" + name + ".json",
                        name,
                        IMAGE,
                        "job/qa/" + name + "/0123456789ab")));
    assertThat(thrown).isInstanceOf(ActivityFailure.class);
    return (ApplicationFailure) thrown.getCause();
  }

  @Test
  void aScheduleChronosCannotParseIsRejectedAndNoJobIsRegistered() throws Exception {
    ApplicationFailure failure = register("report", "\"schedule\":\"every day\"");

    assertThat(failure.getType()).isEqualTo(FailureTypes.REJECTED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "Chronos of qa refused to register job report (HTTP 400): invalid schedule 'every"
                + " day': expected R[n]/<start>/<period>");
    assertThat(chronos.job("report")).isEmpty();
  }

  @Test
  void aParentChronosDoesNotKnowIsRejectedAndNoJobIsRegistered() throws Exception {
    ApplicationFailure failure = register("mail", "\"parents\":[\"extract\"]");

    assertThat(failure.getType()).isEqualTo(FailureTypes.REJECTED);
    assertThat(failure.getOriginalMessage()).endsWith("parent job 'extract' was not found");
    assertThat(chronos.job("mail")).isEmpty();
    assertThat(chronos.job("extract")).isEmpty();
  }
}
