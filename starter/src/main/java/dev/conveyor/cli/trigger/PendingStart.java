package dev.conveyor.cli.trigger;

import dev.conveyor.cli.Target;
import dev.conveyor.workflows.WorkflowIds;

/**
 * One start a push asks for: what, where, which commit, with which definitions and on whose behalf.
 * It is also the line format of the spool, so its fields only grow.
 *
 * @param target the service (or stack) to start
 * @param env the environment the branch maps to
 * @param commit the full commit id the branch now points at
 * @param definitions the config repo (a path on the worker's host, or a URL)
 * @param requestedBy who pushed, e.g. {@code hook:alice} or {@code webhook:github:alice}
 */
record PendingStart(
    Target target, String env, String commit, String definitions, String requestedBy) {
  /** A short description for the pusher: {@code service billing 0123456789ab to qa}. */
  String describe() {
    return target + " " + WorkflowIds.shortCommit(commit) + " to " + env;
  }
}
