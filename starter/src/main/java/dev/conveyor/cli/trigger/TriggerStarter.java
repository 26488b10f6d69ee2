package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.DeploymentStarter;
import dev.conveyor.cli.StartOutcome;
import dev.conveyor.cli.release.ReleaseStarter;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.release.ReleaseRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link PendingStart} into a workflow start: a deployment for a service, a release for a
 * stack. The hook, the webhook and the spool flush all start through {@link #start}, so stacks
 * become available in every trigger by implementing the one branch below.
 */
final class TriggerStarter {
  private final DeploymentStarter deployments;
  private final ReleaseStarter releases;

  TriggerStarter(DeploymentStarter deployments) {
    this.deployments = deployments;
    this.releases = new ReleaseStarter(deployments.client());
  }

  /**
   * Starts it, or reports the workflow that already has its id (see {@link DeploymentStarter}). A
   * stack starts a release of the whole stack, each service at the head of its repository's default
   * branch, with release id {@code push-<commit12>}: the same push twice is one release.
   *
   * @throws RuntimeException from the Temporal client when the start did not happen; {@link
   *     #unreachable} tells whether Temporal could not be reached at all
   */
  StartOutcome start(PendingStart start) {
    return switch (start.target().kind()) {
      case SERVICE ->
          deployments.start(
              new DeployRequest(
                  start.definitions(),
                  start.env(),
                  start.target().name(),
                  start.commit(),
                  start.requestedBy(),
                  false));
      case STACK ->
          releases.start(
              ReleaseStarter.pushReleaseId(start.commit()),
              new ReleaseRequest(
                  start.definitions(),
                  start.env(),
                  start.target().name(),
                  List.of(),
                  Map.of(),
                  start.requestedBy(),
                  false,
                  0,
                  0));
    };
  }

  /** True when the failure is Temporal being down or unreachable, not a refused request. */
  static boolean unreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException status) {
        Status.Code code = status.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
      }
      if (t instanceof ConveyorCli.EnvironmentException) {
        return true;
      }
    }
    return false;
  }

  /** The root message of a failure, for one line to the pusher. */
  static String reason(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }
}
