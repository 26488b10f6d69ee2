package dev.conveyor.cli;

import java.util.Locale;

/**
 * What asking for a start did.
 *
 * @param workflowId the id of the workflow that now exists for the request
 * @param started true when this request started it; false when it already existed
 * @param existingStatus when it already existed: its execution status, e.g. {@code running}
 */
public record StartOutcome(String workflowId, boolean started, String existingStatus) {
  /** This request started {@code workflowId}. */
  public static StartOutcome started(String workflowId) {
    return new StartOutcome(workflowId, true, null);
  }

  /** {@code workflowId} already existed with execution status {@code status}. */
  public static StartOutcome existing(String workflowId, String status) {
    return new StartOutcome(workflowId, false, status.toLowerCase(Locale.ROOT));
  }

  /** {@code deploy/qa/billing/0123456789ab started} or {@code … already running}. */
  public String describe() {
    return workflowId + (started ? " started" : " already " + existingStatus);
  }
}
