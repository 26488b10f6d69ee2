package dev.conveyor.worker.crash;

import static dev.conveyor.worker.testing.HttpFaultProxy.request;

import dev.conveyor.worker.testing.DeploymentWorld;
import dev.conveyor.worker.testing.HeldClock;
import dev.conveyor.worker.testing.Hold;
import dev.conveyor.worker.testing.HttpFaultProxy;
import dev.conveyor.worker.testing.StackWorld;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import dev.conveyor.workflows.rollback.RollbackResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One release or rollback of the kill suite ({@link FlowKillPoint}): its world, the deployment a
 * rollback needs first, how it is brought to its point and let go after the kill, and what it ended
 * with. The suite drives it: {@link #setUp} and {@link #start} against the first worker, {@link
 * #reached} until it is at its point, the SIGKILL, {@link #release}, then {@link #awaitEnd} against
 * the second worker.
 */
final class FlowScenario {
  static final String ENV = "prod";
  static final String REASON = "kill suite: the new version misbehaves";
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(150);
  private static final Duration WORKFLOW_TIMEOUT = Duration.ofMinutes(8);

  /** An activity that is in flight at the kill. */
  record Held(String workflowId, String activityType, String who) {}

  /** What the suite asks the running system while it brings the flow to its point. */
  interface Probe {
    boolean pendingStarted(String workflowId, String activityType, boolean withHeartbeat);

    boolean printed(String linePrefix);
  }

  final FlowKillPoint point;
  final HeldClock clock;
  DeploymentWorld world;
  StackWorld stack;
  String rule;

  /** The workflow whose end the test waits for. */
  String mainId;

  /** The deployment a rollback undoes (for the bake points, the workflow itself). */
  String deploymentId;

  final List<Held> held = new ArrayList<>();
  final List<String> workflowIds = new ArrayList<>();
  private HttpFaultProxy proxy;
  private Hold proxyHold;
  private WorkflowStub stub;

  /** The deployment that was live before the rollback (what it rolls back). */
  DeployResult deployed;

  Object result;
  Throwable failure;
  String atKill;
  Instant reachedAt;
  KillSuiteTests.Resume resume;
  final List<String> completedBy = new ArrayList<>();

  private FlowScenario(FlowKillPoint point, HeldClock clock) {
    this.point = point;
    this.clock = clock;
  }

  static FlowScenario prepare(FlowKillPoint point, Path dir, List<AutoCloseable> closeables)
      throws IOException {
    Path worldDir = dir.resolve(point.label());
    Files.createDirectories(worldDir);
    if (point == FlowKillPoint.RELEASE_CHILDREN_IN_FLIGHT) {
      FlowScenario s = new FlowScenario(point, HeldClock.held());
      s.stack = StackWorld.chain(worldDir, "kill-rel", 3, s.clock);
      List<String> services = s.stack.services();
      s.mainId = s.stack.releaseId("r1");
      s.workflowIds.add(s.mainId);
      services.forEach(service -> s.workflowIds.add(s.stack.deploymentId(service)));
      s.held.add(new Held(s.stack.deploymentId(services.get(0)), "AwaitHealthy", "a"));
      s.held.add(new Held(s.stack.deploymentId(services.get(1)), "Push", "b"));
      s.rule = HoldPoints.rule("after", "Push", s.stack.deploymentId(services.get(1)));
      return s;
    }
    FlowScenario s = new FlowScenario(point, HeldClock.flowing());
    DeploymentWorld.Builder builder =
        DeploymentWorld.builder(worldDir, "kill-rb")
            .marathonClock(s.clock)
            .withPreviousDeployment()
            // the gate keeps its first deadline across the kill: room for the wave and the retry
            .healthTimeout(Duration.ofMinutes(3));
    boolean bake =
        point == FlowKillPoint.BAKE_ROLLBACK_AFTER_COMMIT
            || point == FlowKillPoint.BAKE_ROLLBACK_INSIDE_HEALTH;
    if (bake) {
      builder.bake(Duration.ofMinutes(10));
    }
    if (point == FlowKillPoint.ROLLBACK_INSIDE_DEPLOY) {
      builder.marathonUrl(
          marathon -> {
            s.proxy = HttpFaultProxy.to(marathon.url());
            closeables.add(s.proxy);
            return s.proxy.url();
          });
    }
    s.world = builder.build();
    s.deploymentId = s.world.workflowId(ENV, s.world.head());
    s.mainId = bake ? s.deploymentId : WorkflowIds.rollback(ENV, s.world.service(), "k1");
    s.workflowIds.add(s.mainId);
    String type =
        switch (point) {
          case ROLLBACK_INSIDE_DEPLOY -> "Deploy";
          case BAKE_ROLLBACK_AFTER_COMMIT -> "CommitRollback";
          default -> "AwaitHealthy";
        };
    s.held.add(new Held(s.mainId, type, null));
    if (point == FlowKillPoint.BAKE_ROLLBACK_AFTER_COMMIT) {
      s.rule = HoldPoints.rule("after", "CommitRollback", s.mainId);
    }
    return s;
  }

  /** Brought to its point last: its held activity does not heartbeat (see the suite). */
  boolean late() {
    return point == FlowKillPoint.ROLLBACK_INSIDE_DEPLOY;
  }

  /** What must exist before the flow starts: for a rollback, the deployment it undoes. */
  void setUp(WorkflowClient client) throws Exception {
    if (world == null) {
      return;
    }
    WorkflowStub deployment = world.start(client, ENV, world.head(), WORKFLOW_TIMEOUT);
    if (mainId.equals(deploymentId)) {
      awaitBaking(client);
      deployed = null;
    } else {
      deployed =
          deployment.getResult(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS, DeployResult.class);
    }
  }

  /** Starts the release or the rollback, with its hold armed. */
  void start(WorkflowClient client) {
    switch (point) {
      case RELEASE_CHILDREN_IN_FLIGHT -> stub = stack.startRelease(client, "r1", WORKFLOW_TIMEOUT);
      case ROLLBACK_INSIDE_DEPLOY -> {
        proxyHold = proxy.holdAfterForwarding(request("PUT", "/v2/apps/"));
        stub = world.startRollback(client, ENV, "k1", REASON, WORKFLOW_TIMEOUT);
      }
      case ROLLBACK_INSIDE_HEALTH -> {
        clock.hold();
        stub = world.startRollback(client, ENV, "k1", REASON, WORKFLOW_TIMEOUT);
      }
      case BAKE_ROLLBACK_AFTER_COMMIT, BAKE_ROLLBACK_INSIDE_HEALTH -> {
        if (point == FlowKillPoint.BAKE_ROLLBACK_INSIDE_HEALTH) {
          clock.hold();
        }
        client
            .newWorkflowStub(ServiceDeploymentWorkflow.class, deploymentId)
            .rollback(new RollbackRequest(REASON, "kill-suite"));
        stub = client.newUntypedWorkflowStub(deploymentId);
      }
    }
  }

  /** Whether the flow is at its point. */
  boolean reached(WorkflowClient client, Probe probe) {
    if (stub == null) {
      return false;
    }
    return switch (point) {
      case RELEASE_CHILDREN_IN_FLIGHT ->
          probe.pendingStarted(held.get(0).workflowId(), "AwaitHealthy", true)
              && probe.printed(HoldPoints.marker(rule))
              && releaseState(client, stack.services().get(2)) == ServiceState.WAITING;
      case ROLLBACK_INSIDE_DEPLOY -> proxyHold.isReached();
      case ROLLBACK_INSIDE_HEALTH, BAKE_ROLLBACK_INSIDE_HEALTH ->
          probe.pendingStarted(mainId, "AwaitHealthy", true);
      case BAKE_ROLLBACK_AFTER_COMMIT -> probe.printed(HoldPoints.marker(rule));
    };
  }

  /** Lets the held peer go on (the worker that held the activity is dead by then). */
  void release() {
    clock.let(Duration.ofMinutes(1));
    if (proxyHold != null) {
      proxyHold.release();
    }
  }

  /** Waits for the flow's end; a failure is kept for the test to judge. */
  void awaitEnd(long millis) {
    try {
      Class<?> type =
          switch (point) {
            case RELEASE_CHILDREN_IN_FLIGHT -> ReleaseResult.class;
            case ROLLBACK_INSIDE_DEPLOY, ROLLBACK_INSIDE_HEALTH -> RollbackResult.class;
            default -> DeployResult.class;
          };
      result = stub.getResult(millis, TimeUnit.MILLISECONDS, type);
    } catch (Exception e) {
      failure = e;
    }
  }

  /** Closes the world (and lets any hold go). */
  void close() {
    release();
    if (world != null) {
      world.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  private ServiceState releaseState(WorkflowClient client, String service) {
    try {
      return client.newWorkflowStub(StackReleaseWorkflow.class, mainId).status().services().stream()
          .filter(s -> s.service().equals(service))
          .map(ServiceRelease::state)
          .findFirst()
          .orElse(null);
    } catch (RuntimeException notYet) {
      return null;
    }
  }

  /** Waits until the deployment is healthy and open for a rollback (its bake window). */
  private void awaitBaking(WorkflowClient client) throws InterruptedException {
    Instant deadline = Instant.now().plus(SETUP_TIMEOUT);
    ServiceDeploymentWorkflow deployment =
        client.newWorkflowStub(ServiceDeploymentWorkflow.class, deploymentId);
    String last = null;
    while (Instant.now().isBefore(deadline)) {
      try {
        last = deployment.status().outcome();
        if (ServiceDeploymentWorkflowImpl.BAKING.equals(last)) {
          return;
        }
      } catch (RuntimeException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(300);
    }
    throw new AssertionError(deploymentId + " did not reach its bake window: " + last);
  }
}
