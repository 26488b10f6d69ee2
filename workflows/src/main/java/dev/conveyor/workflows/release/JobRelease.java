package dev.conveyor.workflows.release;

import java.util.List;

/**
 * One job of a release: a {@code JobDeploymentWorkflow} started once the release's services it
 * depends on are healthy. Times are workflow time in epoch milliseconds, 0 until they happen.
 *
 * @param dependsOn its {@code dependsOn} services that are part of this release (the others are
 *     checked on the target by the job deployment's own dependencies gate)
 * @param state {@link ServiceState#PENDING} (waits for its services), {@link
 *     ServiceState#DEPLOYING}, then {@link ServiceState#SUCCEEDED}, {@link ServiceState#FAILED},
 *     {@link ServiceState#SKIPPED} (a service it depends on failed) or {@link
 *     ServiceState#CANCELLED} (the release was aborted or rolled back before it started)
 * @param detail for people: what it waits for, why it failed or was skipped
 * @param workflowId its job deployment's workflow id, once started
 * @param configCommit the config commit that holds its registered definition, once deployed
 */
public record JobRelease(
    String job,
    String commit,
    List<String> dependsOn,
    ServiceState state,
    String detail,
    String workflowId,
    String image,
    String configCommit,
    long startedAt,
    long endedAt) {}
