package dev.conveyor.workflows.job;

/**
 * {@code ./conveyor rollback --job J --env E [--to COMMIT] --reason TEXT [--by NAME]}.
 *
 * @param definitions the config repo (path or URL), as for a job deployment
 * @param to the config commit whose job definition to restore (full or abbreviated), or null for
 *     the previous version (the newest earlier one not itself rolled back)
 * @param requestedBy who asks, for the commit trailers and the notification
 * @param reason why, for {@code Conveyor-Reason} and the notification; required
 */
public record JobRollbackRequest(
    String definitions, String env, String job, String to, String requestedBy, String reason) {}
