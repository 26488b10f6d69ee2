package dev.conveyor.workflows.release;

import java.util.List;

/**
 * Answer of the {@code status} query: the release's services in start order (dependencies before
 * their dependents), each with its state.
 *
 * @param outcome {@code RUNNING}, {@code SUCCEEDED} or {@code FAILED}
 * @param definitionsCommit the config repo commit the plan was read at, once read
 */
public record ReleaseStatus(
    String workflowId,
    String env,
    String stack,
    String outcome,
    String definitionsCommit,
    List<ServiceRelease> services) {}
