package dev.conveyor.workflows.release;

import java.util.List;

/**
 * Every service of a release with its outcome, times, image and config commit.
 *
 * @param outcome {@code SUCCEEDED}, {@code FAILED}, {@code ROLLED_BACK}, {@code ROLLBACK_FAILED} or
 *     {@code ABORTED}
 * @param startedAt when the release started (workflow time, epoch millis)
 * @param endedAt when it ended
 * @param jobs the stack's jobs the release deployed (or skipped), in start order; empty when none
 * @param control the operator's last pause, abort or rollback ({@code aborted by alice: bad
 *     canary}), null when none
 */
public record ReleaseResult(
    String workflowId,
    String env,
    String stack,
    String outcome,
    String definitionsCommit,
    long startedAt,
    long endedAt,
    List<ServiceRelease> services,
    List<JobRelease> jobs,
    String control) {

  /** A result without jobs or operator control (as recorded before they existed). */
  public ReleaseResult(
      String workflowId,
      String env,
      String stack,
      String outcome,
      String definitionsCommit,
      long startedAt,
      long endedAt,
      List<ServiceRelease> services) {
    this(
        workflowId,
        env,
        stack,
        outcome,
        definitionsCommit,
        startedAt,
        endedAt,
        services,
        null,
        null);
  }
}
