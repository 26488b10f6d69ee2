package dev.conveyor.workflows.deploy;

import java.util.List;

/**
 * Answer of the {@code status} query.
 *
 * @param outcome {@code RUNNING}, {@code SUCCEEDED}, {@code FAILED}, {@code SKIPPED} or {@code
 *     SUPERSEDED}
 * @param digest the image digest once known
 * @param configCommit the config repo commit that holds the deployed definition, once made
 * @param deploymentId the target's deployment id, once deployed
 * @param waitingFor what the deployment waits for right now ({@code lane lane/qa/billing}, {@code
 *     release gate of release/qa/payments/…}), or null
 * @param rollback what a rollback of this deployment did so far ({@code requested by alice: 5xx
 *     rate}, {@code restoring … from 1a2b3c4d5e6f}, {@code done}), or null when none was asked
 */
public record DeployStatus(
    String workflowId,
    String env,
    String service,
    String commit,
    String outcome,
    String digest,
    String configCommit,
    String deploymentId,
    List<StepStatus> steps,
    String waitingFor,
    String rollback) {

  /** Without a rollback. */
  public DeployStatus(
      String workflowId,
      String env,
      String service,
      String commit,
      String outcome,
      String digest,
      String configCommit,
      String deploymentId,
      List<StepStatus> steps,
      String waitingFor) {
    this(
        workflowId,
        env,
        service,
        commit,
        outcome,
        digest,
        configCommit,
        deploymentId,
        steps,
        waitingFor,
        null);
  }
}
