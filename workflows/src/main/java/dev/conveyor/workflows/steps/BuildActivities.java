package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Steps 2 and 3, on the build task queue: hosts with a Docker engine. */
@ActivityInterface
public interface BuildActivities {
  /**
   * Builds the source repo's tree at the commit and tags it {@code <registry>/<service>:<commit>}.
   * Idempotent: when the registry already has that tag, nothing is built and the result says {@code
   * reused} with the registry's digest. Heartbeats with build progress.
   */
  BuildResult build(BuildRequest request);

  /**
   * Pushes the tag and returns the digest the registry reports for it. Idempotent: pushing the same
   * image again uploads nothing and yields the same digest.
   */
  PushResult push(PushRequest request);

  record BuildRequest(
      String sourceRepo,
      String commit,
      String dockerfile,
      String context,
      String imageTag,
      String workflowId) {}

  /** {@code digest} is set only when {@code reused}: the image was already in the registry. */
  record BuildResult(String imageTag, boolean reused, String digest, String imageId) {}

  record PushRequest(String imageTag, String workflowId) {}

  /** {@code pinnedImage} is {@code <repository>@<digest>}: what every later step uses. */
  record PushResult(String digest, String pinnedImage) {}
}
