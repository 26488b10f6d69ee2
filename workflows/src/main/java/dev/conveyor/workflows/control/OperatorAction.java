package dev.conveyor.workflows.control;

/**
 * An operator's pause, resume or abort of a deployment or a release (signals of {@link Pausable}).
 * It is the signal's argument, so who and why stay in the workflow history.
 *
 * @param reason why, free text (may be empty); shown in the status and the notification
 * @param by who asks ({@code ./conveyor pause|resume|abort … --by}, default {@code $USER})
 */
public record OperatorAction(String reason, String by) {

  /** "by NAME: REASON", "by NAME" or "REASON" for messages and notifications. */
  public String describe() {
    boolean hasBy = by != null && !by.isBlank();
    boolean hasReason = reason != null && !reason.isBlank();
    if (hasBy && hasReason) {
      return "by " + by + ": " + reason;
    }
    if (hasBy) {
      return "by " + by;
    }
    return hasReason ? reason : "no reason given";
  }
}
