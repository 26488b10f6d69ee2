package dev.conveyor.workflows.release;

import java.util.List;

/**
 * Every service of a release with its outcome, times, image and config commit.
 *
 * @param outcome {@code SUCCEEDED} or {@code FAILED}
 * @param startedAt when the release started (workflow time, epoch millis)
 * @param endedAt when it ended
 */
public record ReleaseResult(
    String workflowId,
    String env,
    String stack,
    String outcome,
    String definitionsCommit,
    long startedAt,
    long endedAt,
    List<ServiceRelease> services) {}
