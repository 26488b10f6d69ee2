package dev.conveyor.workflows.deploy;

/**
 * What to deploy where, and who asked.
 *
 * @param definitions the config repo: a path on the worker's host or a Git URL
 * @param commit the full source commit id
 * @param requestedBy who started it (a user name, {@code hook}, {@code webhook})
 * @param force whether the target may override a deployment that holds the app (Marathon force)
 * @param gate set when a release runs this deployment: it stops after the push until the release
 *     opens the gate; null for a deployment on its own
 */
public record DeployRequest(
    String definitions,
    String env,
    String service,
    String commit,
    String requestedBy,
    boolean force,
    ReleaseGate gate) {

  /** A deployment on its own, without a release gate. */
  public DeployRequest(
      String definitions,
      String env,
      String service,
      String commit,
      String requestedBy,
      boolean force) {
    this(definitions, env, service, commit, requestedBy, force, null);
  }
}
