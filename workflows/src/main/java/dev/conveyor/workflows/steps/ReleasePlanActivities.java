package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;
import java.util.List;
import java.util.Map;

/** What a release deploys: read from the definitions, since workflow code reads no files. */
@ActivityInterface
public interface ReleasePlanActivities {
  /**
   * Reads {@code conveyor.yaml} at the config repo's head, validates it, picks the release's
   * services and resolves each one's commit. Read-only, so safe to repeat.
   *
   * <ul>
   *   <li>Members: {@code services} when not empty (each must belong to the stack), else every
   *       service of the stack.
   *   <li>Commit per member: {@code commits.get(service)} when given (a full id, or anything {@code
   *       git rev-parse} resolves in the service's repo), else the head of the service repo's
   *       default branch; always returned as the full 40-hex id.
   *   <li>{@code dependsOn}: every service of the definitions, members or not, so the release can
   *       find dependencies outside it (and the members behind them).
   * </ul>
   *
   * @throws io.temporal.failure.ApplicationFailure of type {@link FailureTypes#INVALID_DEFINITIONS}
   *     when the definitions are invalid, the stack, environment or a service is unknown, a service
   *     is not in the stack, or a commit does not resolve; the message says which and what exists
   */
  ReleasePlan plan(PlanRequest request);

  /**
   * @param services an explicit subset of the stack; empty for the whole stack
   * @param commits service → commit for the services the starter pinned; the others use their
   *     default branch head
   */
  record PlanRequest(
      String definitions,
      String env,
      String stack,
      List<String> services,
      Map<String, String> commits) {}
}
