package dev.conveyor.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.worker.testing.RunningWorker;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import dev.conveyor.workflows.job.JobDeploymentWorkflowImpl;
import dev.conveyor.workflows.job.JobRollbackWorkflowImpl;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.promotion.PromotionWorkflowImpl;
import dev.conveyor.workflows.release.StackReleaseWorkflowImpl;
import dev.conveyor.workflows.rollback.RollbackWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import io.temporal.failure.ApplicationFailure;
import io.temporal.spring.boot.autoconfigure.template.WorkersTemplate;
import io.temporal.spring.boot.autoconfigure.template.WorkersTemplate.RegisteredActivityInfo;
import io.temporal.spring.boot.autoconfigure.template.WorkersTemplate.RegisteredInfo;
import io.temporal.worker.WorkerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker application starts as {@code ./conveyor worker} would: every activity bean and the
 * workflow on the right task queue (1.38's starter registers nothing it is not told about), polling
 * for real; and against an unreachable Temporal it ends with one line and exit code 2.
 */
class WorkerStartupTests {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  @TempDir static Path dataDir;

  private static RunningWorker worker;

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

  @Test
  void registersEveryActivityBeanOnItsTaskQueueAndTheWorkflowOnControl() {
    WorkersTemplate workers = worker.bean(WorkersTemplate.class);
    Map<String, RegisteredInfo> registered = workers.getRegisteredInfo();

    assertThat(registered).containsOnlyKeys(TaskQueues.CONTROL, TaskQueues.BUILD);

    RegisteredInfo control = registered.get(TaskQueues.CONTROL);
    assertThat(control.isWorkflowRegistered(ServiceDeploymentWorkflowImpl.class)).isTrue();
    assertThat(control.isWorkflowRegistered(ServiceLaneWorkflowImpl.class)).isTrue();
    assertThat(control.isWorkflowRegistered(JobDeploymentWorkflowImpl.class)).isTrue();
    assertThat(control.isWorkflowRegistered(StackReleaseWorkflowImpl.class)).isTrue();
    assertThat(control.isWorkflowRegistered(PromotionWorkflowImpl.class)).isTrue();
    assertThat(control.isWorkflowRegistered(RollbackWorkflowImpl.class)).isTrue();
    assertThat(control.isWorkflowRegistered(JobRollbackWorkflowImpl.class)).isTrue();
    assertThat(control.getRegisteredWorkflowInfo()).hasSize(7);
    assertThat(beanNames(control))
        .containsExactlyInAnyOrder(
            "resolveActivities",
            "kvActivities",
            "gitOpsActivities",
            "deployActivities",
            "notifyActivities",
            "jobActivities",
            "releasePlanActivities",
            "targetHealthActivities",
            "promotionActivities");
    assertThat(activityTypes(control))
        .containsExactlyInAnyOrder(
            "Resolve",
            "ResolveJob",
            "RecordImage",
            "CommitAppDefinition",
            "CommitRollback",
            "Restore",
            "Deploy",
            "AwaitHealthy",
            "Finish",
            "Send",
            "RegisterJob",
            "VerifyJob",
            "SmokeRunJob",
            "Plan",
            "CheckLive",
            "ReadLive");

    RegisteredInfo build = registered.get(TaskQueues.BUILD);
    assertThat(build.getRegisteredWorkflowInfo()).isEmpty();
    assertThat(beanNames(build)).containsExactly("buildActivities");
    assertThat(activityTypes(build)).containsExactlyInAnyOrder("Build", "Push");

    WorkerFactory factory = worker.bean(WorkerFactory.class);
    assertThat(factory.isStarted()).isTrue();
    assertThat(factory.getWorker(TaskQueues.CONTROL)).isNotNull();
    assertThat(factory.getWorker(TaskQueues.BUILD)).isNotNull();
  }

  /** A live round trip that needs no Docker: the workflow and the resolve activity really poll. */
  @Test
  @Timeout(60)
  void brokenDefinitionsEndTheDeploymentAtResolveWithTheValidatorsLine(@TempDir Path repos) {
    Path config =
        SourceRepos.bareWithCommit(
                repos.resolve("config.git"),
                Map.of(
                    "conveyor.yaml",
                    RepoFile.text(
                        String.join(
                            "\n",
                            "version: 1",
                            "environments:",
                            "  qa:",
                            "    target: dockr",
                            "services:",
                            "  accounts:",
                            "    repo: ../accounts.git",
                            ""))))
            .path();
    String id = WorkflowIds.deployment("qa", "accounts", COMMIT);
    WorkflowClient client = worker.client();
    ServiceDeploymentWorkflow deployment =
        client.newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowExecutionTimeout(Duration.ofSeconds(50))
                .build());
    WorkflowClient.start(
        deployment::deploy,
        new DeployRequest(config.toString(), "qa", "accounts", COMMIT, "startup-test", false));

    WorkflowFailedException failed =
        catchThrowableOfType(
            WorkflowFailedException.class,
            () -> WorkflowStub.fromTyped(deployment).getResult(Object.class));

    assertThat(failed).isNotNull();
    assertThat(failed.getCause()).isInstanceOf(ApplicationFailure.class);
    ApplicationFailure cause = (ApplicationFailure) failed.getCause();
    assertThat(cause.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.DEPLOYMENT_FAILED);
    assertThat(cause.getOriginalMessage())
        .startsWith("deployment failed at step resolve: ")
        .contains(
            "conveyor.yaml:4:13: unknown target 'dockr' in environments.qa (did you mean"
                + " 'docker'?)");
    DeployStatus status = client.newWorkflowStub(ServiceDeploymentWorkflow.class, id).status();
    assertThat(status.outcome()).isEqualTo("FAILED");
    assertThat(status.steps())
        .filteredOn(s -> s.step() == Step.RESOLVE)
        .extracting(StepStatus::state)
        .containsExactly(StepState.FAILED);
    assertThat(status.steps())
        .filteredOn(s -> s.step() == Step.NOTIFY)
        .extracting(StepStatus::state)
        .containsExactly(StepState.SKIPPED);
  }

  @Test
  @Timeout(90)
  void unreachableTemporalEndsTheWorkerWithOneLineAndExitCode2(@TempDir Path dir) throws Exception {
    int closedPort = RunningWorker.freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(WorkerApplication.class.getName());
    command.add("--spring.temporal.connection.target=127.0.0.1:" + closedPort);
    command.add("--conveyor.worker.data-dir=" + dir.resolve("data"));
    command.add("--server.port=0");
    Process process = new ProcessBuilder(command).directory(dir.toFile()).start();
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    process.getOutputStream().close();
    boolean ended = process.waitFor(75, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String stdout = out.get(10, TimeUnit.SECONDS);
    String stderr = err.get(10, TimeUnit.SECONDS);
    String both = "stdout:\n" + stdout + "\nstderr:\n" + stderr;

    assertThat(ended).as("the worker ended by itself\n" + both).isTrue();
    assertThat(process.exitValue()).as(both).isEqualTo(2);
    List<String> errorLines = stderr.lines().filter(l -> !l.isBlank()).toList();
    assertThat(errorLines)
        .as(both)
        .containsExactly(
            "conveyor worker: cannot reach Temporal at 127.0.0.1:"
                + closedPort
                + " (UNAVAILABLE). Start a local server with `./conveyor worker --dev`, or set"
                + " CONVEYOR_TEMPORAL / --spring.temporal.connection.target=HOST:PORT.");
    assertThat(stdout)
        .as("no stack trace and no exception besides the one line")
        .doesNotContain("\tat ")
        .doesNotContain("Exception")
        .doesNotContain("ERROR");
  }

  private static List<String> beanNames(RegisteredInfo info) {
    return info.getRegisteredActivityInfo().stream()
        .map(RegisteredActivityInfo::getBeanName)
        .toList();
  }

  private static List<String> activityTypes(RegisteredInfo info) {
    return info.getRegisteredActivityInfo().stream()
        .flatMap(a -> a.getMetadata().getActivityMethods().stream())
        .map(POJOActivityMethodMetadata::getActivityTypeName)
        .toList();
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            stream.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
