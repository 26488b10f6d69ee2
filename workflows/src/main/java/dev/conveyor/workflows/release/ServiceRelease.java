package dev.conveyor.workflows.release;

import dev.conveyor.workflows.deploy.StepStatus;
import java.util.List;

/**
 * One node of a release: a service, what it waits for, and how far it got. Times are workflow time
 * in epoch milliseconds, 0 until they happen.
 *
 * @param dependsOn the services of this release it waits for (directly, or through services outside
 *     the release)
 * @param checkedOnTarget the dependencies outside the release that must be healthy on the target
 *     before it deploys
 * @param detail for people: what it waits for, why it failed or was skipped ({@code skipped:
 *     dependency accounts failed})
 * @param workflowId its deployment's workflow id, once started
 * @param startedAt when its deployment started
 * @param builtAt when its image was pushed
 * @param deployStartedAt when its deploy phase began: the gate open and the image pushed
 * @param endedAt when it ended
 * @param steps its deployment's steps, once the deployment returned them
 */
public record ServiceRelease(
    String service,
    String commit,
    List<String> dependsOn,
    List<String> checkedOnTarget,
    ServiceState state,
    String detail,
    String workflowId,
    String image,
    String digest,
    String configCommit,
    long startedAt,
    long builtAt,
    long deployStartedAt,
    long endedAt,
    List<StepStatus> steps) {}
