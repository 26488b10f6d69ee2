package dev.conveyor.activities.chronos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.chronos.ChronosActivitiesImpl.SmokeProgress;
import dev.conveyor.activities.simulators.ChronosSimulator;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.JobActivities;
import dev.conveyor.workflows.steps.JobActivities.JobRegistration;
import dev.conveyor.workflows.steps.JobActivities.ListedJob;
import dev.conveyor.workflows.steps.JobActivities.RegisterJobRequest;
import dev.conveyor.workflows.steps.JobActivities.Scheduler;
import dev.conveyor.workflows.steps.JobActivities.SmokeRunRequest;
import dev.conveyor.workflows.steps.JobActivities.SmokeRunResult;
import dev.conveyor.workflows.steps.JobActivities.VerifyJobRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Register, verify and smoke run against the Chronos simulator, run as activities (so heartbeats
 * and their details are real), one attempt each so every failure shows as it would to Temporal.
 */
class ChronosActivitiesImplTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String IMAGE = "localhost:5000/report@sha256:" + "ab".repeat(32);
  private static final String OTHER_IMAGE = "localhost:5000/report@sha256:" + "cd".repeat(32);
  private static final String CONFIG_COMMIT = "c0ffee" + "0".repeat(34);
  private static final String WORKFLOW_ID = "job/qa/report/0123456789ab";
  private static final ChronosSettings FAST =
      new ChronosSettings(
          null, null, Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofMillis(300));

  private final ChronosSimulator chronos = ChronosSimulator.start();
  private final Map<String, ObjectNode> committed = new HashMap<>();
  private final Map<String, String> env = new HashMap<>();
  private final List<TestActivityEnvironment> environments = new ArrayList<>();
  private TestActivityEnvironment testEnv;
  private JobActivities fast;

  @AfterEach
  void stop() {
    environments.forEach(TestActivityEnvironment::close);
    chronos.close();
  }

  /** A worker of its own with these settings. */
  private JobActivities activities(ChronosSettings settings) {
    testEnv = TestActivityEnvironment.newInstance();
    environments.add(testEnv);
    testEnv.registerActivitiesImplementations(
        new ChronosActivitiesImpl(
            settings,
            (definitions, configCommit, path) -> {
              assertThat(configCommit).isEqualTo(CONFIG_COMMIT);
              return committed.get(path).deepCopy();
            },
            (UnaryOperator<String>) env::get,
            Clock.systemUTC()));
    return testEnv.newActivityStub(
        JobActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(1))
            .setHeartbeatTimeout(Duration.ofSeconds(10))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  /** The test's worker with {@link #FAST} settings. */
  private JobActivities activities() {
    if (fast == null) {
      fast = activities(FAST);
    }
    return fast;
  }

  private Scheduler scheduler() {
    return new Scheduler("qa", chronos.url(), ChronosSimulator.V3);
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Commits {@code chronos/qa/<name>.json} with the image, as the commit step would. */
  private String commit(String name, String image, String when) {
    String path = "chronos/qa/" + name + ".json";
    committed.put(
        path,
        json(
            "{\"name\":\""
                + name
                + "\",\"command\":\"/run\","
                + when
                + ",\"mem\":256,\"container\":{\"type\":\"DOCKER\",\"image\":\""
                + image
                + "\"}}"));
    return path;
  }

  private String commitScheduled(String image) {
    return commit("report", image, "\"schedule\":\"R/2030-01-01T02:00:00Z/P1D\"");
  }

  private RegisterJobRequest register(String path, String name, String image) {
    return new RegisterJobRequest(
        scheduler(), "/defs", CONFIG_COMMIT, path, name, image, WORKFLOW_ID);
  }

  private SmokeRunRequest smoke(long timeoutSeconds) {
    return new SmokeRunRequest(scheduler(), "report", IMAGE, timeoutSeconds, WORKFLOW_ID);
  }

  private static ApplicationFailure failure(Runnable call) {
    Throwable thrown = catchThrowable(call::run);
    assertThat(thrown).isInstanceOf(ActivityFailure.class);
    assertThat(thrown.getCause()).isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) thrown.getCause();
  }

  // ---- register

  @Test
  void registersAScheduledJobViaIso8601WithTheCommittedDefinition() {
    String path = commitScheduled(IMAGE);

    JobRegistration registration = activities().registerJob(register(path, "report", IMAGE));

    assertThat(registration).isEqualTo(new JobRegistration("report", "iso8601", false));
    assertThat(chronos.upserts()).containsExactly((JsonNode) committed.get(path));
    assertThat(chronos.count("POST", "/v1/scheduler/iso8601")).isEqualTo(1);
    assertThat(chronos.job("report").orElseThrow().at("/container/image").asText())
        .isEqualTo(IMAGE);
  }

  @Test
  void registersAJobWithParentsViaDependency() {
    activities().registerJob(register(commitScheduled(IMAGE), "report", IMAGE));
    String path = commit("mail", OTHER_IMAGE, "\"parents\":[\"report\"]");

    JobRegistration registration = activities().registerJob(register(path, "mail", OTHER_IMAGE));

    assertThat(registration.endpoint()).isEqualTo("dependency");
    assertThat(chronos.count("POST", "/v1/scheduler/dependency")).isEqualTo(1);
  }

  @Test
  void theSameDefinitionAgainPostsNothingAndAnotherImagePostsAgain() {
    JobActivities activities = activities();
    activities.registerJob(register(commitScheduled(IMAGE), "report", IMAGE));

    JobRegistration again =
        activities.registerJob(register(commitScheduled(IMAGE), "report", IMAGE));
    JobRegistration changed =
        activities.registerJob(register(commitScheduled(OTHER_IMAGE), "report", OTHER_IMAGE));

    assertThat(again.alreadyRegistered()).isTrue();
    assertThat(changed.alreadyRegistered()).isFalse();
    assertThat(chronos.upserts()).hasSize(2);
    assertThat(chronos.job("report").orElseThrow().at("/container/image").asText())
        .isEqualTo(OTHER_IMAGE);
  }

  @Test
  void aListedJobHoldsTheDefinitionWhenNumbersAgreeByValueAndChronosAddedFields() {
    JsonNode committedJob = json("{\"name\":\"a\",\"mem\":256,\"container\":{\"image\":\"i\"}}");

    assertThat(
            ChronosActivitiesImpl.holds(
                json(
                    "{\"name\":\"a\",\"mem\":256.0,\"successCount\":3,"
                        + "\"container\":{\"image\":\"i\",\"volumes\":[]}}"),
                committedJob))
        .isTrue();
    assertThat(
            ChronosActivitiesImpl.holds(
                json("{\"name\":\"a\",\"mem\":512,\"container\":{\"image\":\"i\"}}"), committedJob))
        .isFalse();
    assertThat(ChronosActivitiesImpl.holds(json("{\"name\":\"a\",\"mem\":256}"), committedJob))
        .isFalse();
  }

  @Test
  void aBadScheduleIsRejectedWithChronossAnswer() {
    String path = commit("report", IMAGE, "\"schedule\":\"every day\"");

    ApplicationFailure failure =
        failure(() -> activities().registerJob(register(path, "report", IMAGE)));

    assertThat(failure.getType()).isEqualTo(FailureTypes.REJECTED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "Chronos of qa refused to register job report (HTTP 400): invalid schedule 'every"
                + " day': expected R[n]/<start>/<period>");
  }

  @Test
  void anUnknownParentIsRejected() {
    String path = commit("mail", IMAGE, "\"parents\":[\"extract\"]");

    ApplicationFailure failure =
        failure(() -> activities().registerJob(register(path, "mail", IMAGE)));

    assertThat(failure.getType()).isEqualTo(FailureTypes.REJECTED);
    assertThat(failure.getOriginalMessage()).endsWith("parent job 'extract' was not found");
  }

  @Test
  void refusedCredentialsAreUnauthorizedAndTheWorkersCredentialsAreAccepted() {
    chronos.requireBasicAuth("conveyor", "s3cret");
    String path = commitScheduled(IMAGE);

    ApplicationFailure failure =
        failure(() -> activities().registerJob(register(path, "report", IMAGE)));
    JobRegistration withCredentials =
        activities(
                new ChronosSettings(
                    "conveyor",
                    "s3cret",
                    Duration.ofSeconds(5),
                    Duration.ofMillis(20),
                    Duration.ofMillis(300)))
            .registerJob(register(path, "report", IMAGE));

    assertThat(failure.getType()).isEqualTo(FailureTypes.UNAUTHORIZED);
    assertThat(failure.getOriginalMessage()).contains("answered HTTP 401").doesNotContain("s3cret");
    assertThat(withCredentials.alreadyRegistered()).isFalse();
  }

  @Test
  void chronosWithoutLeaderIsATransientFailure() {
    chronos.failNext(1, 503);
    String path = commitScheduled(IMAGE);

    ApplicationFailure failure =
        failure(() -> activities().registerJob(register(path, "report", IMAGE)));

    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(failure.getType()).isEqualTo(ChronosException.class.getName());
    assertThat(failure.getOriginalMessage())
        .contains("answered HTTP 503 to GET /v1/scheduler/jobs");
  }

  @Test
  void theLegacyPrefixIsUsedWhenTheEnvironmentSaysSo() {
    try (ChronosSimulator v2 = ChronosSimulator.start(Clock.systemUTC(), ChronosSimulator.V2)) {
      String path = commitScheduled(IMAGE);

      activities()
          .registerJob(
              new RegisterJobRequest(
                  new Scheduler("qa", v2.url(), "/scheduler"),
                  "/defs",
                  CONFIG_COMMIT,
                  path,
                  "report",
                  IMAGE,
                  WORKFLOW_ID));

      assertThat(v2.count("POST", "/scheduler/iso8601")).isEqualTo(1);
    }
  }

  @Test
  void anEnvReferenceInTheUrlIsResolvedOnTheWorkerAndAnUnsetOneIsMisconfigured() {
    String path = commitScheduled(IMAGE);
    RegisterJobRequest byReference =
        new RegisterJobRequest(
            new Scheduler("qa", "${env:CHRONOS_QA}", "/v1/scheduler"),
            "/defs",
            CONFIG_COMMIT,
            path,
            "report",
            IMAGE,
            WORKFLOW_ID);

    ApplicationFailure unset = failure(() -> activities().registerJob(byReference));
    env.put("CHRONOS_QA", chronos.url());
    JobRegistration resolved = activities().registerJob(byReference);

    assertThat(unset.getType()).isEqualTo(FailureTypes.MISCONFIGURED);
    assertThat(unset.getOriginalMessage())
        .isEqualTo(
            "chronos.url of environment qa refers to ${env:CHRONOS_QA} but CHRONOS_QA is not set"
                + " in the worker's environment: set it where the worker runs");
    assertThat(resolved.endpoint()).isEqualTo("iso8601");
  }

  @Test
  void aCommittedDefinitionWithAnotherNameIsInvalid() {
    String path = commitScheduled(IMAGE);

    ApplicationFailure failure =
        failure(() -> activities().registerJob(register(path, "nightly", IMAGE)));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(chronos.upserts()).isEmpty();
  }

  // ---- verify

  @Test
  void verifyReturnsTheJobAsChronosListsIt() {
    activities().registerJob(register(commitScheduled(IMAGE), "report", IMAGE));

    ListedJob listed = activities().verifyJob(new VerifyJobRequest(scheduler(), "report", IMAGE));

    assertThat(listed)
        .isEqualTo(new ListedJob("report", IMAGE, "R/2030-01-01T02:00:00Z/P1D", List.of(), false));
  }

  @Test
  void verifyIsRejectedWhenChronosDidNotKeepTheJob() {
    chronos.loseUpserts(true);
    activities().registerJob(register(commitScheduled(IMAGE), "report", IMAGE));

    ApplicationFailure failure =
        failure(() -> activities().verifyJob(new VerifyJobRequest(scheduler(), "report", IMAGE)));

    assertThat(failure.getType()).isEqualTo(FailureTypes.REJECTED);
    assertThat(failure.getOriginalMessage())
        .startsWith(
            "Chronos of qa accepted job report but after 300ms does not list it, not with ");
    assertThat(chronos.count("GET", "/v1/scheduler/jobs"))
        .as("it looked more than once")
        .isGreaterThan(2);
  }

  @Test
  void verifyIsRejectedWhenAnotherImageIsListed() {
    activities().registerJob(register(commitScheduled(OTHER_IMAGE), "report", OTHER_IMAGE));

    ApplicationFailure failure =
        failure(() -> activities().verifyJob(new VerifyJobRequest(scheduler(), "report", IMAGE)));

    assertThat(failure.getOriginalMessage()).contains("lists it with image " + OTHER_IMAGE);
  }

  // ---- smoke run

  @Test
  void aSmokeRunTriggersOneRunAndWaitsForItsSuccess() {
    chronos.runsTake(Duration.ofMillis(300));
    activities().registerJob(register(commitScheduled(IMAGE), "report", IMAGE));
    List<SmokeProgress> heartbeats = new CopyOnWriteArrayList<>();
    testEnv.setActivityHeartbeatListener(SmokeProgress.class, heartbeats::add);

    SmokeRunResult result = activities().smokeRunJob(smoke(30));

    assertThat(result.chronosName()).isEqualTo("report");
    assertThat(result.successCount()).isEqualTo(1);
    assertThat(result.lastSuccess()).isNotEmpty();
    assertThat(result.summary()).startsWith("run of report succeeded within ");
    assertThat(chronos.runsOf("report")).isEqualTo(1);
    assertThat(chronos.count("GET", "/v1/scheduler/jobs"))
        .as("it waited: more than the look before and one after")
        .isGreaterThan(2);
    assertThat(heartbeats)
        .first()
        .satisfies(
            first -> {
              assertThat(first.triggered()).isTrue();
              assertThat(first.successCount()).isZero();
              assertThat(first.lastSeen()).isEqualTo("triggered");
            });
  }

  @Test
  void aFailedRunFailsTheSmokeRunForGood() {
    chronos.runsTake(Duration.ofMillis(100)).failRuns("report");
    activities().registerJob(register(commitScheduled(IMAGE), "report", IMAGE));

    ApplicationFailure failure = failure(() -> activities().smokeRunJob(smoke(30)));

    assertThat(failure.getType()).isEqualTo(FailureTypes.SMOKE_RUN_FAILED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .startsWith("the smoke run of report failed: Chronos reports lastError ")
        .endsWith("(errorCount 1); the task's output is in its Mesos sandbox");
  }

  @Test
  void noSuccessBeforeTheDeadlineFailsTheSmokeRun() {
    chronos.runsTake(Duration.ofHours(1));
    activities().registerJob(register(commitScheduled(IMAGE), "report", IMAGE));

    ApplicationFailure failure = failure(() -> activities().smokeRunJob(smoke(1)));

    assertThat(failure.getType()).isEqualTo(FailureTypes.SMOKE_RUN_FAILED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "the smoke run of report did not succeed within 1s: no new success yet"
                + " (successCount 0)");
  }

  @Test
  void aRetryAfterTheTriggerWaitsForThatRunInsteadOfStartingAnother() throws Exception {
    chronos.runsTake(Duration.ofMillis(300));
    activities().registerJob(register(commitScheduled(IMAGE), "report", IMAGE));
    // The first attempt triggered a run and heartbeated, then its worker died.
    long startedAt = System.currentTimeMillis();
    put(chronos.url() + "/v1/scheduler/job/report");
    JobActivities retry = activities();
    testEnv.setHeartbeatDetails(new SmokeProgress(startedAt, true, 0, 0, "", "", "triggered"));
    chronos.failNext(2, 503);

    SmokeRunResult result = retry.smokeRunJob(smoke(30));

    assertThat(result.successCount()).isEqualTo(1);
    assertThat(chronos.runsOf("report")).as("no second run").isEqualTo(1);
  }

  @Test
  void aJobChronosDoesNotListCannotBeRun() {
    ApplicationFailure failure = failure(() -> activities().smokeRunJob(smoke(30)));

    assertThat(failure.getType()).isEqualTo(FailureTypes.REJECTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("Chronos of qa does not list job report, so it cannot run it");
    assertThat(chronos.runsOf("report")).isZero();
  }

  private static void put(String url) throws IOException {
    OkHttpClient http = new OkHttpClient();
    Request request = new Request.Builder().url(url).put(RequestBody.create(new byte[0])).build();
    try (Response response = http.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(204);
    }
  }
}
