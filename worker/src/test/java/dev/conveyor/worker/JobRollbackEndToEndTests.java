package dev.conveyor.worker;

import static dev.conveyor.activities.testing.GitCli.git;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

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
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.job.JobDeployRequest;
import dev.conveyor.workflows.job.JobDeployResult;
import dev.conveyor.workflows.job.JobDeploymentWorkflow;
import dev.conveyor.workflows.job.JobDeploymentWorkflowImpl;
import dev.conveyor.workflows.job.JobRollbackRequest;
import dev.conveyor.workflows.job.JobRollbackResult;
import dev.conveyor.workflows.job.JobRollbackWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job deployed twice, then rolled back, with nothing stubbed inside the worker: the worker
 * application on Temporal's test server, the machine's Docker engine and registry, bare Git repos
 * checked with the git CLI, and the Consul and Chronos simulators. Each test has its own job name,
 * so registry repository, KV keys and Chronos job are its own.
 */
@RequiresDocker
class JobRollbackEndToEndTests {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REGISTRY = DockerRequired.registry() + "/conveyor-test";

  @TempDir static Path dataDir;

  private static RunningWorker worker;

  @TempDir Path repos;

  private final String job = TestDocker.uniqueName("e2e-jobrb");
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
    chronos = ChronosSimulator.start(Clock.systemUTC(), ChronosSimulator.V3);
    consul = ConsulSimulator.start();
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
  @Timeout(180)
  void theRollbackCommandRestoresTheFirstDefinitionInGitKvAndChronos() throws Exception {
    configRepo = configRepo(false);
    String first = git(sourceRepo, "rev-parse", "main").strip();
    JobDeployResult one = deploy(first);
    String second = secondCommit();
    JobDeployResult two = deploy(second);
    assertThat(two.image()).isNotEqualTo(one.image());
    String path = "chronos/prod/" + job + ".json";

    JobRollbackResult result = rollBack("the totals are wrong");

    // config repo: exactly one rollback commit, on top, restoring the first definition
    String head = git(configRepo, "rev-parse", "main").strip();
    assertThat(result.configCommit()).isEqualTo(head);
    assertThat(git(configRepo, "log", "--format=%s", "main").lines())
        .filteredOn(subject -> subject.startsWith("rollback "))
        .containsExactly("rollback " + job + " to " + first.substring(0, 12) + " in prod");
    assertThat(git(configRepo, "log", "-1", "--format=%s", head).strip())
        .isEqualTo("rollback " + job + " to " + first.substring(0, 12) + " in prod");
    assertThat(git(configRepo, "show", head + ":" + path))
        .isEqualTo(git(configRepo, "show", one.configCommit() + ":" + path));
    assertThat(git(configRepo, "log", "-1", "--format=%(trailers:only,unfold)", head))
        .contains("Conveyor-Workflow-Id: " + result.workflowId())
        .contains("Conveyor-Commit: " + first)
        .contains("Conveyor-Image: " + one.image())
        .contains("Conveyor-Rollback-Of: " + two.configCommit())
        .contains("Conveyor-Restored-From: " + one.configCommit())
        .contains("Conveyor-Requested-By: e2e-operator")
        .contains("Conveyor-Reason: the totals are wrong");
    git(configRepo, "fsck", "--strict");

    // KV: the first image again, the second as previous
    String keys = "conveyor/prod/jobs/" + job;
    assertThat(consul.value(keys + "/image")).contains(one.image());
    assertThat(consul.value(keys + "/previous")).contains(two.image());
    assertThat(consul.value(keys + "/commit")).contains(first);

    // Chronos: registered again with the restored definition, which runs the first image
    JsonNode listed = chronos.job(job).orElseThrow();
    assertThat(listed.path("container").path("image").asText()).isEqualTo(one.image());
    JsonNode restored = JSON.readTree(git(configRepo, "show", head + ":" + path));
    assertThat(chronos.upserts()).hasSize(3).last().isEqualTo(restored);

    assertThat(result.image()).isEqualTo(one.image());
    assertThat(result.rolledBackImage()).isEqualTo(two.image());
    assertThat(result.restoredFrom()).isEqualTo(one.configCommit());
  }

  @Test
  @Timeout(180)
  void aRollbackSignalDuringTheSmokeRunUndoesTheDeploymentInGitKvAndChronos() throws Exception {
    configRepo = configRepo(true);
    String first = git(sourceRepo, "rev-parse", "main").strip();
    JobDeployResult one = deploy(first);
    chronos.runsTake(Duration.ofMinutes(5));
    String second = secondCommit();
    tags.add(REGISTRY + "/" + job + ":" + second);
    JobDeploymentWorkflow running = start(second);
    awaitSmokeRun(running);

    running.rollback(new RollbackRequest("smoke run hangs", "e2e-operator"));

    Throwable thrown =
        catchThrowable(() -> WorkflowStub.fromTyped(running).getResult(JobDeployResult.class));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    ApplicationFailure failure = (ApplicationFailure) thrown.getCause();
    assertThat(failure.getType()).isEqualTo(JobDeploymentWorkflowImpl.ROLLED_BACK);
    assertThat(failure.getOriginalMessage()).isEqualTo("rolled back: smoke run hangs");
    String digest = running.status().digest();
    digests.add(digest);
    String secondImage = REGISTRY + "/" + job + "@" + digest;

    String head = git(configRepo, "rev-parse", "main").strip();
    String path = "chronos/prod/" + job + ".json";
    assertThat(git(configRepo, "log", "--format=%s", "main").lines())
        .filteredOn(subject -> subject.startsWith("rollback "))
        .containsExactly("rollback " + job + " to " + first.substring(0, 12) + " in prod");
    assertThat(git(configRepo, "show", head + ":" + path))
        .isEqualTo(git(configRepo, "show", one.configCommit() + ":" + path));
    assertThat(git(configRepo, "log", "-1", "--format=%(trailers:only,unfold)", head))
        .contains("Conveyor-Workflow-Id: " + WorkflowIds.job("prod", job, second))
        .contains("Conveyor-Reason: smoke run hangs");
    String keys = "conveyor/prod/jobs/" + job;
    assertThat(consul.value(keys + "/image")).contains(one.image());
    assertThat(consul.value(keys + "/previous")).contains(secondImage);
    assertThat(chronos.job(job).orElseThrow().path("container").path("image").asText())
        .isEqualTo(one.image());
  }

  private String secondCommit() {
    return SourceRepos.commit(
        sourceRepo, BusyboxImages.context().withVersion("v2").files(), "version 2");
  }

  private JobDeploymentWorkflow start(String commit) {
    JobDeploymentWorkflow workflow =
        worker
            .client()
            .newWorkflowStub(
                JobDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(WorkflowIds.job("prod", job, commit))
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(150))
                    .build());
    WorkflowClient.start(
        workflow::deploy,
        new JobDeployRequest(configRepo.toString(), "prod", job, commit, "e2e-test"));
    return workflow;
  }

  private JobDeployResult deploy(String commit) {
    tags.add(REGISTRY + "/" + job + ":" + commit);
    JobDeployResult result = WorkflowStub.fromTyped(start(commit)).getResult(JobDeployResult.class);
    digests.add(result.digest());
    return result;
  }

  private void awaitSmokeRun(JobDeploymentWorkflow running) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (chronos.runsOf(job) < 2) {
      assertThat(Instant.now()).as("the second deployment's smoke run starts").isBefore(deadline);
      Thread.sleep(200);
    }
  }

  private JobRollbackResult rollBack(String reason) {
    JobRollbackWorkflow rollback =
        worker
            .client()
            .newWorkflowStub(
                JobRollbackWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(WorkflowIds.jobRollback("prod", job, "e2e"))
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(100))
                    .build());
    return rollback.rollback(
        new JobRollbackRequest(configRepo.toString(), "prod", job, null, "e2e-operator", reason));
  }

  private Path configRepo(boolean smokeRun) {
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
            "    smokeTimeout: 10m",
            "");
    String template =
        """
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
}
