package dev.conveyor.worker;

import static dev.conveyor.activities.testing.GitCli.git;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.simulators.ChronosSimulator;
import dev.conveyor.activities.simulators.ConsulSimulator;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.worker.testing.RunningWorker;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.job.JobDeployRequest;
import dev.conveyor.workflows.job.JobDeployResult;
import dev.conveyor.workflows.job.JobDeploymentWorkflow;
import dev.conveyor.workflows.job.JobDeploymentWorkflowImpl;
import dev.conveyor.workflows.job.JobStep;
import dev.conveyor.workflows.job.JobStepStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One commit of a batch job through every step with nothing stubbed inside the worker: the worker
 * application on Temporal's test server in real time, the machine's Docker engine and registry,
 * bare Git repos on disk checked with the git CLI, the Consul and Chronos simulators, and a webhook
 * sink for the notification.
 *
 * <p>Each test deploys its own job (a unique name), so the registry repository, KV keys and Chronos
 * job are its own; it removes its images and manifests after.
 */
@RequiresDocker
class JobDeploymentEndToEndTests {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REGISTRY = DockerRequired.registry() + "/conveyor-test";
  private static final String REQUESTED_BY = "e2e-test";
  private static final String MANIFEST_TYPES =
      String.join(
          ", ",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json");

  @TempDir static Path dataDir;

  private static RunningWorker worker;

  @TempDir Path repos;

  @StartStop private final MockWebServer sink = new MockWebServer();

  private final String job = TestDocker.uniqueName("e2e-job");
  private final List<String> tags = new ArrayList<>();
  private final List<String> digests = new ArrayList<>();
  private ChronosSimulator chronos;
  private ConsulSimulator consul;
  private DockerClient docker;
  private Path sourceRepo;
  private Path configRepo;

  @BeforeAll
  static void startWorker() {
    worker = RunningWorker.start(dataDir);
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
  }

  @BeforeEach
  void createTheWorld() {
    docker = TestDocker.client();
    // A run that takes a moment, so the smoke run really waits for Chronos.
    chronos =
        ChronosSimulator.start(Clock.systemUTC(), ChronosSimulator.V3)
            .runsTake(Duration.ofMillis(1500));
    consul = ConsulSimulator.start();
    sink.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(200).body("{\"ok\":true}").build();
          }
        });
    sourceRepo =
        SourceRepos.bareWithCommit(
                repos.resolve(job + ".git"), BusyboxImages.context().withVersion("v1").files())
            .path();
  }

  @AfterEach
  void removeWhatTheTestMade() {
    try {
      tags.forEach(tag -> TestDocker.removeImage(docker, tag));
      digests.forEach(digest -> TestDocker.deleteFromRegistry("conveyor-test/" + job, digest));
    } finally {
      chronos.close();
      consul.close();
      try {
        docker.close();
      } catch (IOException e) {
        // closing a client cannot fail the test
      }
    }
  }

  @Test
  @Timeout(120)
  void commitGoesThroughEveryJobStepToChronosAndOneSmokeRun() throws Exception {
    configRepo = configRepo(scheduledTemplate(), true);
    String commit = git(sourceRepo, "rev-parse", "main").strip();
    String repository = REGISTRY + "/" + job;

    JobDeployResult result = deploy(commit);

    assertThat(result.steps())
        .extracting(JobStepStatus::step, JobStepStatus::state)
        .containsExactly(
            step(JobStep.RESOLVE, StepState.DONE),
            step(JobStep.BUILD, StepState.DONE),
            step(JobStep.PUSH, StepState.DONE),
            step(JobStep.DEPENDENCIES, StepState.SKIPPED),
            step(JobStep.KV, StepState.DONE),
            step(JobStep.COMMIT, StepState.DONE),
            step(JobStep.REGISTER, StepState.DONE),
            step(JobStep.VERIFY, StepState.DONE),
            step(JobStep.SMOKE, StepState.DONE),
            step(JobStep.NOTIFY, StepState.DONE));
    String pinned = repository + "@" + result.digest();
    assertThat(result.image()).isEqualTo(pinned);
    assertThat(result.workflowId()).isEqualTo(WorkflowIds.job("prod", job, commit));
    assertThat(result.registeredVia()).isEqualTo("iso8601");
    assertThat(result.chronosName()).isEqualTo(job);

    // push: the registry's digest for the tag is the one every later step used
    assertThat(registryDigest("conveyor-test/" + job, commit)).isEqualTo(result.digest());

    // kv: the job's own key tree in Consul
    assertThat(consul.value("conveyor/prod/jobs/" + job + "/image")).contains(pinned);
    assertThat(consul.value("conveyor/prod/jobs/" + job + "/commit")).contains(commit);
    assertThat(consul.value("conveyor/prod/" + job + "/image")).isEmpty();

    // commit: one config commit holding the job definition with the pinned image and trailers
    assertThat(git(configRepo, "rev-list", "--count", "main").strip()).isEqualTo("2");
    String head = git(configRepo, "rev-parse", "main").strip();
    assertThat(result.configCommit()).isEqualTo(head);
    JsonNode committed =
        JSON.readTree(git(configRepo, "show", head + ":chronos/prod/" + job + ".json"));
    assertThat(committed.path("name").asText()).isEqualTo(job);
    assertThat(committed.path("container").path("image").asText()).isEqualTo(pinned);
    assertThat(committed.path("schedule").asText()).isEqualTo("R/2030-01-01T02:00:00Z/P1D");
    assertThat(git(configRepo, "log", "-1", "--format=%s", head).strip())
        .isEqualTo("deploy job " + job + " " + commit.substring(0, 12) + " to prod");
    assertThat(git(configRepo, "log", "-1", "--format=%(trailers:only,unfold)", head))
        .contains("Conveyor-Workflow-Id: " + result.workflowId())
        .contains("Conveyor-Commit: " + commit)
        .contains("Conveyor-Image: " + pinned)
        .contains("Conveyor-Requested-By: " + REQUESTED_BY);
    git(configRepo, "fsck", "--strict");

    // register and verify: Chronos got exactly the committed definition and lists it
    assertThat(chronos.upserts()).containsExactly(committed);
    assertThat(chronos.count("POST", "/v1/scheduler/iso8601")).isEqualTo(1);
    JsonNode listed = chronos.job(job).orElseThrow();
    assertThat(listed.path("container").path("image").asText()).isEqualTo(pinned);

    // smoke: one run, which succeeded
    assertThat(chronos.runsOf(job)).isEqualTo(1);
    assertThat(listed.path("successCount").asLong()).isEqualTo(1);
    assertThat(result.smokeRun()).startsWith("run of " + job + " succeeded within ");

    // notify: one notification, keyed by the job deployment
    assertThat(sink.getRequestCount()).isEqualTo(1);
    RecordedRequest notification = sink.takeRequest(1, TimeUnit.SECONDS);
    assertThat(notification.getHeaders().get("Idempotency-Key"))
        .isEqualTo(result.workflowId() + "/succeeded/0");
    JsonNode body = JSON.readTree(notification.getBody().utf8());
    assertThat(body.path("outcome").asText()).isEqualTo("SUCCEEDED");
    assertThat(body.path("service").asText()).isEqualTo(job);
    assertThat(body.path("image").asText()).isEqualTo(pinned);
  }

  @Test
  @Timeout(120)
  void aParentChronosDoesNotKnowFailsAtRegisterWithChronossAnswer() throws Exception {
    configRepo = configRepo(dependentTemplate("extract"), false);
    String commit = git(sourceRepo, "rev-parse", "main").strip();

    assertThatThrownBy(() -> deploy(commit))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(
            failure -> {
              ApplicationFailure app = (ApplicationFailure) failure;
              assertThat(app.getType()).isEqualTo(JobDeploymentWorkflowImpl.JOB_DEPLOYMENT_FAILED);
              assertThat(app.getOriginalMessage())
                  .isEqualTo(
                      "job deployment failed at step register: Chronos of prod refused to"
                          + " register job "
                          + job
                          + " (HTTP 400): parent job 'extract' was not found");
            });

    // the definition is committed (the audit trail shows what was tried), Chronos has nothing
    assertThat(git(configRepo, "rev-list", "--count", "main").strip()).isEqualTo("2");
    assertThat(chronos.count("POST", "/v1/scheduler/dependency")).isEqualTo(1);
    assertThat(chronos.job(job)).isEmpty();
    assertThat(chronos.runsOf(job)).isZero();
    RecordedRequest notification = sink.takeRequest(1, TimeUnit.SECONDS);
    JsonNode body = JSON.readTree(notification.getBody().utf8());
    assertThat(body.path("outcome").asText()).isEqualTo("FAILED");
    assertThat(body.path("failedStep").asText()).isEqualTo("register");
  }

  /** Starts the job deployment as a starter would and waits for its result. */
  private JobDeployResult deploy(String commit) {
    tags.add(REGISTRY + "/" + job + ":" + commit);
    WorkflowClient client = worker.client();
    JobDeploymentWorkflow workflow =
        client.newWorkflowStub(
            JobDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.job("prod", job, commit))
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowExecutionTimeout(Duration.ofSeconds(100))
                .build());
    WorkflowClient.start(
        workflow::deploy,
        new JobDeployRequest(configRepo.toString(), "prod", job, commit, REQUESTED_BY));
    try {
      JobDeployResult result = WorkflowStub.fromTyped(workflow).getResult(JobDeployResult.class);
      digests.add(result.digest());
      return result;
    } catch (WorkflowFailedException failed) {
      String digest = registryDigestOrNull("conveyor-test/" + job, commit);
      if (digest != null) {
        digests.add(digest);
      }
      throw failed;
    }
  }

  private static Tuple step(JobStep step, StepState state) {
    return Tuple.tuple(step, state);
  }

  private Path configRepo(String template, boolean smokeRun) {
    String yaml =
        String.join(
            "\n",
            "version: 1",
            "registry: " + REGISTRY,
            "environments:",
            "  prod:",
            "    target: docker",
            "    consul: { url: \"" + consul.url() + "\" }",
            "    chronos: { url: \"" + chronos.url() + "\" }",
            "services:",
            "  web:",
            "    repo: ../web.git",
            "jobs:",
            "  " + job + ":",
            "    repo: ../" + job + ".git",
            "    smokeRun: " + smokeRun,
            "    smokeTimeout: 45s",
            "notify:",
            "  - { type: webhook, url: \"" + sink.url("/hooks/deployments") + "\" }",
            "");
    return SourceRepos.bareWithCommit(
            repos.resolve("config.git"),
            Map.of(
                "conveyor.yaml",
                RepoFile.text(yaml),
                "marathon/web.json",
                RepoFile.text(
                    "{\"id\": \"/web\", \"container\": {\"type\": \"DOCKER\", \"docker\":"
                        + " {\"image\": \"\"}}}\n"),
                "chronos/" + job + ".json",
                RepoFile.text(template)))
        .path();
  }

  private String scheduledTemplate() {
    return """
        {
          "name": "%s",
          "command": "/bin/busybox true",
          "shell": false,
          "schedule": "R/2030-01-01T02:00:00Z/P1D",
          "epsilon": "PT30M",
          "cpus": 0.1,
          "mem": 32,
          "container": { "type": "DOCKER", "image": "" }
        }
        """
        .formatted(job);
  }

  private String dependentTemplate(String parent) {
    return """
        {
          "name": "%s",
          "command": "/bin/busybox true",
          "parents": ["%s"],
          "container": { "type": "DOCKER", "image": "" }
        }
        """
        .formatted(job, parent);
  }

  /** {@code Docker-Content-Digest} of {@code HEAD /v2/<name>/manifests/<tag>}, or null. */
  private static String registryDigestOrNull(String name, String tag) {
    try {
      return registryDigest(name, tag);
    } catch (IOException | AssertionError e) {
      return null;
    }
  }

  private static String registryDigest(String name, String tag) throws IOException {
    OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    Request head =
        new Request.Builder()
            .url("http://" + DockerRequired.registry() + "/v2/" + name + "/manifests/" + tag)
            .head()
            .header("Accept", MANIFEST_TYPES)
            .build();
    try (Response response = http.newCall(head).execute()) {
      assertThat(response.code()).isEqualTo(200);
      return response.header("Docker-Content-Digest");
    }
  }
}
