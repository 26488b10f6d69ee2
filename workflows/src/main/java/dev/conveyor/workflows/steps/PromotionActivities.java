package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** What a promotion takes from its source environment. */
@ActivityInterface
public interface PromotionActivities {
  /**
   * Reads the definitions at the config repo's head and, for each service to promote, the image and
   * commit recorded in the source environment's KV ({@code conveyor/<from>/<service>/image}, {@code
   * …/commit}) and what the source environment's target runs right now. Read-only.
   *
   * <p>A service counts as {@code live} only when the target runs exactly the recorded image and it
   * is healthy; otherwise {@code summary} says why (nothing recorded, not deployed, other image,
   * unhealthy). The workflow decides what to do with that.
   *
   * @throws io.temporal.failure.ApplicationFailure of type {@link FailureTypes#INVALID_DEFINITIONS}
   *     for an unknown stack, environment or service (or one not in the stack)
   */
  LiveStack readLive(LiveStackRequest request);

  /**
   * @param services an explicit subset of the stack; empty for the whole stack
   */
  record LiveStackRequest(
      String definitions, String stack, String from, String to, List<String> services) {}

  /**
   * @param configCommit the config repo commit the definitions were read at
   * @param approvalRequired whether the target environment has {@code approval: required}
   * @param services in the stack's order
   */
  record LiveStack(String configCommit, boolean approvalRequired, List<LiveService> services) {}

  /**
   * @param commit the source commit recorded in KV (null when nothing is recorded)
   * @param image the digest-pinned image recorded in KV (null when nothing is recorded)
   * @param live whether the source target runs exactly {@code image} and it is healthy
   * @param summary what the source environment reports, for people
   */
  record LiveService(String service, String commit, String image, boolean live, String summary) {}
}
