package dev.conveyor.workflows.job;

/**
 * What job to deploy where, and who asked.
 *
 * @param definitions the config repo: a path on the worker's host or a Git URL
 * @param job the job's name under {@code jobs} in conveyor.yaml
 * @param commit the full source commit id
 * @param requestedBy who started it (a user name, {@code hook}, {@code webhook})
 */
public record JobDeployRequest(
    String definitions, String env, String job, String commit, String requestedBy) {}
