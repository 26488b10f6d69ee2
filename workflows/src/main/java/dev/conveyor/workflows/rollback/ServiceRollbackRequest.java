package dev.conveyor.workflows.rollback;

/**
 * {@code ./conveyor rollback --service S --env E [--to COMMIT] --reason TEXT [--by NAME]}.
 *
 * @param definitions the config repo (path or URL), as for a deployment
 * @param to the config commit whose app definition to restore (full or abbreviated), or null for
 *     the previous version (the newest earlier one not itself rolled back)
 * @param requestedBy who asks, for the commit trailers and the notification
 * @param reason why, for {@code Conveyor-Reason} and the notification; required
 * @param rollbackOf the config commit whose version is to be undone (a release's rollback names the
 *     commit its deployment made), or null for whatever the head holds; when the file changed
 *     since, the rollback fails with a conflict instead of undoing a newer deployment
 */
public record ServiceRollbackRequest(
    String definitions,
    String env,
    String service,
    String to,
    String requestedBy,
    String reason,
    String rollbackOf) {

  /** A rollback of whatever version the head holds ({@code ./conveyor rollback}). */
  public ServiceRollbackRequest(
      String definitions,
      String env,
      String service,
      String to,
      String requestedBy,
      String reason) {
    this(definitions, env, service, to, requestedBy, reason, null);
  }
}
