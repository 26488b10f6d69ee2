package dev.conveyor.workflows.release;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static dev.conveyor.workflows.testing.RecordingSteps.headOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.RecordingSteps.Span;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Release ordering through real child deployments and recording fakes: order is read from the
 * fakes' sequence numbers, parallelism is proven by holding one step until another has started. The
 * timeout turns a hang into a failure.
 */
@Timeout(90)
class StackReleaseWorkflowTests {
  TestWorkflowEnvironment env;
  RecordingSteps steps;

  @BeforeEach
  void startEnvironment() {
    steps =
        new RecordingSteps()
            .takes("build", Duration.ofMillis(100))
            .takes("health", Duration.ofMillis(100));
    env = TestWorkers.start(steps);
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  static ReleaseRequest request(String stack) {
    return new ReleaseRequest("/defs", "qa", stack, List.of(), Map.of(), "alice", false, 0, 0);
  }

  StackReleaseWorkflow newRelease(String stack) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            StackReleaseWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(WorkflowIds.release("qa", stack, "r1"))
                .build());
  }

  ReleaseResult release(ReleaseRequest request) {
    return newRelease(request.stack()).release(request);
  }

  /** Starts a release, runs {@code meanwhile} (which releases held steps), returns the result. */
  ReleaseResult releaseWhile(ReleaseRequest request, Runnable meanwhile) {
    StackReleaseWorkflow release = newRelease(request.stack());
    WorkflowClient.start(release::release, request);
    meanwhile.run();
    return WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);
  }

  /** Runs a release that must fail and returns the result its failure carries. */
  ReleaseResult failedRelease(ReleaseRequest request, String... messageParts) {
    try {
      release(request);
    } catch (WorkflowFailedException e) {
      ApplicationFailure failure = (ApplicationFailure) e.getCause();
      assertThat(failure.getType()).isEqualTo(StackReleaseWorkflowImpl.RELEASE_FAILED);
      assertThat(failure.getOriginalMessage()).contains(messageParts);
      return failure.getDetails().get(ReleaseResult.class);
    }
    throw new AssertionError("the release succeeded");
  }

  static Map<String, ServiceRelease> byService(List<ServiceRelease> services) {
    return services.stream()
        .collect(Collectors.toMap(ServiceRelease::service, Function.identity()));
  }

  static ServiceState stateOf(StackReleaseWorkflow release, String service) {
    ServiceRelease node = byService(release.status().services()).get(service);
    return node == null ? null : node.state();
  }

  /** {@code later}'s first change to the environment (KV) began after {@code first} was healthy. */
  void assertDeploysAfterHealthy(String later, String first) {
    Span health = steps.span(first, "health");
    assertThat(steps.span(later, "kv").startSeq())
        .as("%s's kv starts after %s's health gate passed", later, first)
        .isGreaterThan(health.endSeq());
    assertThat(steps.span(later, "deploy").startSeq()).isGreaterThan(health.endSeq());
  }

  /** From its KV write to its health gate: the part a dependency gates. */
  Span deployPhase(String service) {
    Span kv = steps.span(service, "kv");
    Span health = steps.span(service, "health");
    return new Span(service, kv.commit(), "deploy-phase", kv.startSeq(), health.endSeq(), false);
  }

  @Test
  void aChainDeploysEachServiceOnlyAfterItsDependencyIsHealthyWhileAllBuildAtOnce() {
    steps
        .service("a")
        .service("b", "a")
        .service("c", "b")
        .stack("chain", "a", "b", "c")
        .hold(headOf("a"), "health");

    ReleaseResult result =
        releaseWhile(
            request("chain"),
            () -> {
              // Images are ready while dependencies deploy: c builds while a is in its gate.
              awaitTrue(
                  "c is built and pushed while a waits in its health gate",
                  () -> steps.finished("c", "push") && steps.ran("a", "health"));
              steps.release(headOf("a"), "health");
            });

    assertThat(result.outcome()).isEqualTo("SUCCEEDED");
    assertThat(result.workflowId()).isEqualTo("release/qa/chain/r1");
    assertThat(result.services())
        .extracting(ServiceRelease::service)
        .containsExactly("a", "b", "c");
    assertDeploysAfterHealthy("b", "a");
    assertDeploysAfterHealthy("c", "b");
    assertThat(steps.span("c", "push").endSeq()).isLessThan(steps.span("a", "health").endSeq());
    assertThat(steps.span("b", "push").endSeq()).isLessThan(steps.span("a", "health").endSeq());
    for (ServiceRelease service : result.services()) {
      String commit = headOf(service.service());
      assertThat(service.state()).isEqualTo(ServiceState.SUCCEEDED);
      assertThat(service.commit()).isEqualTo(commit);
      assertThat(service.workflowId())
          .isEqualTo(WorkflowIds.deployment("qa", service.service(), commit));
      assertThat(service.image()).startsWith("localhost:5000/" + service.service() + "@sha256:");
      assertThat(service.configCommit())
          .isEqualTo(headOf("cfg-" + service.service() + "-" + commit));
      assertThat(service.startedAt()).isPositive();
      assertThat(service.builtAt()).isGreaterThanOrEqualTo(service.startedAt());
      assertThat(service.deployStartedAt()).isGreaterThanOrEqualTo(service.builtAt());
      assertThat(service.endedAt()).isGreaterThanOrEqualTo(service.deployStartedAt());
      assertThat(service.steps()).hasSize(8);
    }
    assertThat(byService(result.services()).get("c").dependsOn()).containsExactly("b");
  }

  @Test
  void aDiamondDeploysBothMiddleServicesInParallelAndTheLastAfterBoth() {
    steps
        .service("a")
        .service("b", "a")
        .service("c", "a")
        .service("d", "b", "c")
        .stack("diamond", "d", "c", "b", "a")
        .hold(headOf("a"), "build")
        .hold(headOf("b"), "health");

    ReleaseResult result =
        releaseWhile(
            request("diamond"),
            () -> {
              awaitTrue("d builds while a builds", () -> steps.ran("d", "build"));
              steps.release(headOf("a"), "build");
              awaitTrue("c deploys while b is in its health gate", () -> steps.ran("c", "health"));
              steps.release(headOf("b"), "health");
            });

    assertThat(result.services())
        .extracting(ServiceRelease::service)
        .containsExactly("a", "b", "c", "d");
    assertDeploysAfterHealthy("b", "a");
    assertDeploysAfterHealthy("c", "a");
    assertDeploysAfterHealthy("d", "b");
    assertDeploysAfterHealthy("d", "c");
    assertThat(deployPhase("b").overlaps(deployPhase("c")))
        .as("b and c deploy at the same time: %s", steps.spans())
        .isTrue();
    assertThat(steps.maxConcurrent("build")).isBetween(2, 4);
  }

  @Test
  void aWideFanOutOfFiftyServicesWaitsForTheRootThenDeploysTheRestInParallel() {
    List<String> members = new ArrayList<>(List.of("core"));
    steps.service("core");
    for (int i = 1; i < 50; i++) {
      String leaf = String.format("leaf%02d", i);
      steps.service(leaf, "core");
      members.add(leaf);
    }
    steps
        .stack("wide", members.toArray(String[]::new))
        .takes("build", Duration.ofMillis(20))
        .hold(headOf("core"), "build")
        .hold(headOf("leaf01"), "health");
    List<String> leaves = members.subList(1, 50);

    ReleaseResult result =
        releaseWhile(
            new ReleaseRequest("/defs", "qa", "wide", List.of(), Map.of(), "alice", false, 8, 0),
            () -> {
              // core keeps one of the 8 build slots: the leaves build 7 at a time meanwhile.
              awaitTrue(
                  "every leaf is built while core builds",
                  () -> leaves.stream().allMatch(leaf -> steps.finished(leaf, "push")));
              steps.release(headOf("core"), "build");
              awaitTrue(
                  "leaf02 deploys while leaf01 is in its health gate",
                  () -> steps.ran("leaf02", "health"));
              steps.release(headOf("leaf01"), "health");
            });

    assertThat(result.services()).hasSize(50);
    assertThat(result.services()).allMatch(s -> s.state() == ServiceState.SUCCEEDED);
    assertThat(result.services().get(0).service()).isEqualTo("core");
    for (String leaf : leaves) {
      assertDeploysAfterHealthy(leaf, "core");
    }
    assertThat(steps.maxConcurrent("build")).as("build concurrency 8").isLessThanOrEqualTo(8);
    assertThat(steps.maxConcurrent("health")).as("leaves deploy in parallel").isGreaterThan(1);
    assertThat(steps.maxConcurrent("build")).as("core and leaves build at once").isGreaterThan(1);
  }

  @Test
  void twoIndependentChainsRunSideBySide() {
    steps
        .service("a1")
        .service("b1", "a1")
        .service("a2")
        .service("b2", "a2")
        .stack("pair", "a1", "b1", "a2", "b2")
        .hold(headOf("a1"), "health")
        .hold(headOf("b1"), "health");

    releaseWhile(
        request("pair"),
        () -> {
          awaitTrue("a2 deploys while a1 is in its health gate", () -> steps.ran("a2", "health"));
          steps.release(headOf("a1"), "health");
          awaitTrue("b2 deploys while b1 is in its health gate", () -> steps.ran("b2", "health"));
          steps.release(headOf("b1"), "health");
        });

    assertDeploysAfterHealthy("b1", "a1");
    assertDeploysAfterHealthy("b2", "a2");
    assertThat(deployPhase("a1").overlaps(deployPhase("a2")))
        .as("the two roots deploy at the same time: %s", steps.spans())
        .isTrue();
    assertThat(deployPhase("b1").overlaps(deployPhase("b2")))
        .as("and so do their dependents: %s", steps.spans())
        .isTrue();
  }

  @Test
  void aFailureInTheMiddleOfAChainSkipsItsDependentsAndTheUnrelatedBranchFinishes() {
    steps
        .service("a")
        .service("b", "a")
        .service("c", "b")
        .service("x")
        .service("y", "x")
        .stack("mixed", "a", "b", "c", "x", "y")
        .failAt("b", "health", "not healthy after 60s: 0/1 healthy");

    ReleaseResult result =
        failedRelease(
            request("mixed"),
            "release release/qa/mixed/r1 failed:",
            "b: deployment failed at step health: not healthy after 60s: 0/1 healthy",
            "c: skipped: dependency b failed");

    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(result.outcome()).isEqualTo("FAILED");
    assertThat(services.get("a").state()).isEqualTo(ServiceState.SUCCEEDED);
    assertThat(services.get("b").state()).isEqualTo(ServiceState.FAILED);
    assertThat(services.get("c").state()).isEqualTo(ServiceState.SKIPPED);
    assertThat(services.get("c").detail()).isEqualTo("skipped: dependency b failed");
    assertThat(services.get("x").state()).isEqualTo(ServiceState.SUCCEEDED);
    assertThat(services.get("y").state()).isEqualTo(ServiceState.SUCCEEDED);
    assertThat(steps.ran("c", "build")).as("c built while waiting").isTrue();
    for (String step : List.of("kv", "commit", "deploy", "health", "notify")) {
      assertThat(steps.ran("c", step)).as("c must not " + step).isFalse();
    }
    DeployResult c =
        env.getWorkflowClient()
            .newUntypedWorkflowStub(services.get("c").workflowId())
            .getResult(DeployResult.class);
    assertThat(c.outcome()).isEqualTo(DeployResult.SKIPPED);
    assertThat(c.reason()).isEqualTo("dependency b failed");
  }

  @Test
  void dependentsThatHaveNotStartedAreNeverStartedWhenADependencyFails() {
    steps
        .service("a")
        .service("b", "a")
        .service("c", "b")
        .stack("chain", "a", "b", "c")
        .failAt("a", "build", "Dockerfile:3: COPY failed: no such file app.jar");

    ReleaseResult result =
        failedRelease(
            new ReleaseRequest("/defs", "qa", "chain", List.of(), Map.of(), "alice", false, 1, 0),
            "a: deployment failed at step build: Dockerfile:3: COPY failed");

    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(services.get("b").detail()).isEqualTo("skipped: dependency a failed");
    assertThat(services.get("c").detail()).isEqualTo("skipped: dependency a failed");
    assertThat(services.get("b").workflowId()).isNull();
    assertThat(steps.spans("b")).isEmpty();
    assertThat(steps.spans("c")).isEmpty();
  }

  @Test
  void aDependencyOutsideTheReleaseThatStaysUnhealthyFailsItsDependentAtTheDeadline() {
    steps
        .service("billing")
        .service("web", "billing")
        .service("mobile", "web")
        .stack("frontend", "web", "mobile")
        .live("billing", false);

    ReleaseResult result =
        failedRelease(
            new ReleaseRequest(
                "/defs", "qa", "frontend", List.of(), Map.of(), "alice", false, 0, 300),
            "web: dependency billing is not part of this release and is not healthy on qa after"
                + " 5m: 0/1 healthy; task billing.1: GET /health -> 503",
            "mobile: skipped: dependency web failed");

    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(services.get("web").state()).isEqualTo(ServiceState.FAILED);
    assertThat(services.get("web").checkedOnTarget()).containsExactly("billing");
    assertThat(result.endedAt() - result.startedAt())
        .as("waited for the deadline")
        .isGreaterThanOrEqualTo(Duration.ofMinutes(5).toMillis());
    assertThat(steps.spans("billing").stream().filter(s -> s.step().equals("live")).count())
        .as("asked the target again and again")
        .isGreaterThan(5);
    assertThat(steps.ran("web", "build")).isTrue();
    assertThat(steps.ran("web", "kv")).isFalse();
    assertThat(steps.ran("web", "deploy")).isFalse();
    assertThat(steps.ran("billing", "deploy")).as("billing is not released").isFalse();
  }

  @Test
  void aDependencyOutsideTheReleaseThatTurnsHealthyLetsItsDependentDeploy() {
    steps
        .service("billing")
        .service("web", "billing")
        .stack("frontend", "web")
        .healthyAfter("billing", 2);

    ReleaseResult result = release(request("frontend"));

    assertThat(result.services())
        .singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo(ServiceState.SUCCEEDED));
    List<Span> checks = steps.spans("billing");
    assertThat(checks).hasSize(3).allMatch(s -> s.step().equals("live"));
    assertThat(steps.span("web", "kv").startSeq()).isGreaterThan(checks.get(2).endSeq());
  }

  @Test
  void aMemberBehindAServiceOutsideTheReleaseWaitsForItToo() {
    // web -> billing -> accounts, released as [web, accounts]: web needs accounts, checks billing.
    steps
        .service("accounts")
        .service("billing", "accounts")
        .service("web", "billing")
        .stack("edge", "web", "accounts")
        .live("billing", true);

    ReleaseResult result = release(request("edge"));

    ServiceRelease web = byService(result.services()).get("web");
    assertThat(web.dependsOn()).containsExactly("accounts");
    assertThat(web.checkedOnTarget()).containsExactly("billing");
    assertDeploysAfterHealthy("web", "accounts");
  }

  @Test
  void theStatusQueryShowsTheGraphWithEachServicesState() {
    steps.service("a").service("b", "a").stack("chain", "a", "b").hold(headOf("a"), "health");
    StackReleaseWorkflow release = newRelease("chain");
    WorkflowClient.start(release::release, request("chain"));
    awaitTrue(
        "b is built and a is in its health gate",
        () -> steps.ran("b", "push") && steps.ran("a", "health"));
    awaitTrue(
        "the release has heard that b is built",
        () -> stateOf(release, "b") == ServiceState.WAITING);

    ReleaseStatus running = release.status();
    steps.release(headOf("a"), "health");

    assertThat(running.outcome()).isEqualTo("RUNNING");
    assertThat(running.definitionsCommit()).startsWith("defs");
    Map<String, ServiceRelease> nodes = byService(running.services());
    assertThat(nodes.get("a").state()).isEqualTo(ServiceState.DEPLOYING);
    assertThat(nodes.get("a").dependsOn()).isEmpty();
    assertThat(nodes.get("b").dependsOn()).containsExactly("a");
    assertThat(nodes.get("b").detail()).isEqualTo("waiting for a");
    assertThat(nodes.get("b").image()).startsWith("localhost:5000/b@sha256:");
    WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);
    assertThat(release.status().services()).allMatch(s -> s.state() == ServiceState.SUCCEEDED);
    assertThat(release.status().outcome()).isEqualTo("SUCCEEDED");
  }

  @Test
  void aServiceAlreadyBeingDeployedIsLeftToThatDeploymentAndItsDependentsWaitForIt() {
    steps.service("a").service("b", "a").stack("chain", "a", "b").hold(headOf("a"), "build");
    String aId = WorkflowIds.deployment("qa", "a", headOf("a"));
    ServiceDeploymentWorkflow single =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(aId)
                    .build());
    WorkflowClient.start(
        single::deploy, new DeployRequest("/defs", "qa", "a", headOf("a"), "hook", false));
    awaitTrue("the single deployment of a is building", () -> steps.ran("a", "build"));
    StackReleaseWorkflow release = newRelease("chain");
    WorkflowClient.start(release::release, request("chain"));
    awaitTrue(
        "the release left a to the running deployment",
        () -> stateOf(release, "a") == ServiceState.SUPERSEDED);
    steps.release(headOf("a"), "build");

    ReleaseResult result = WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);

    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(services.get("a").detail()).startsWith("already running as " + aId);
    assertThat(services.get("b").state()).isEqualTo(ServiceState.SUCCEEDED);
    assertDeploysAfterHealthy("b", "a");
    assertThat(steps.spans("a").stream().filter(s -> s.step().equals("build")).count())
        .as("a deployed once, by the single deployment")
        .isEqualTo(1);
  }

  @Test
  void failsWithThePlansMessageWhenTheDefinitionsAreInvalid() {
    steps.failPlan("stacks.payments names unknown service 'biling' (did you mean 'billing'?)");

    ReleaseResult result =
        failedRelease(
            request("payments"),
            "release failed at plan: stacks.payments names unknown service 'biling'");

    assertThat(result.services()).isEmpty();
    assertThat(steps.spans().stream().filter(s -> !s.step().equals("plan"))).isEmpty();
  }

  @Test
  void aDependencyCycleInThePlanFailsTheReleaseBeforeAnythingStarts() {
    steps.service("a", "b").service("b", "a").stack("loop", "a", "b");

    failedRelease(request("loop"), "release failed at plan: dependency cycle: a -> b -> a");

    assertThat(steps.spans().stream().filter(s -> !s.step().equals("plan"))).isEmpty();
  }

  @Test
  void anExplicitSubsetWithPinnedCommitsDeploysOnlyThoseAtThoseCommits() {
    String pinned = "1234567890abcdef1234567890abcdef12345678";
    steps.service("a").service("b", "a").service("c").stack("all", "a", "b", "c");

    ReleaseResult result =
        release(
            new ReleaseRequest(
                "/defs",
                "qa",
                "all",
                List.of("a", "b"),
                Map.of("b", pinned),
                "alice",
                false,
                0,
                0));

    assertThat(result.services()).extracting(ServiceRelease::service).containsExactly("a", "b");
    assertThat(byService(result.services()).get("b").workflowId())
        .isEqualTo("deploy/qa/b/1234567890ab");
    assertThat(steps.span("b", "build").commit()).isEqualTo(pinned);
    assertThat(steps.spans("c")).isEmpty();
  }
}
