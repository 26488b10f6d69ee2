package dev.conveyor.workflows.deploy;

/**
 * An operator's request to roll a deployment back (signal {@code rollback}, update {@code
 * requestRollback}).
 *
 * @param reason why, for the config commit's {@code Conveyor-Reason} and the notification
 * @param by who asks ({@code ./conveyor … --by}, default {@code $USER})
 */
public record RollbackRequest(String reason, String by) {}
