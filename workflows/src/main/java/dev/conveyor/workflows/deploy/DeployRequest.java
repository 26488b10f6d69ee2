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
 * @param pinnedImage set by a promotion: the digest-pinned image ({@code <repository>@sha256:…})
 *     that is live in another environment; the deployment then skips build and push and deploys
 *     exactly this image. Null (also in histories recorded before it existed): build and push.
 */
public record DeployRequest(
    String definitions,
    String env,
    String service,
    String commit,
    String requestedBy,
    boolean force,
    ReleaseGate gate,
    String pinnedImage) {

  /** A deployment that builds its image, optionally inside a release. */
  public DeployRequest(
      String definitions,
      String env,
      String service,
      String commit,
      String requestedBy,
      boolean force,
      ReleaseGate gate) {
    this(definitions, env, service, commit, requestedBy, force, gate, null);
  }

  /** A deployment on its own, without a release gate. */
  public DeployRequest(
      String definitions,
      String env,
      String service,
      String commit,
      String requestedBy,
      boolean force) {
    this(definitions, env, service, commit, requestedBy, force, null, null);
  }
}
