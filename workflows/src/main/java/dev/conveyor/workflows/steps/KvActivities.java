package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Step 4: record the image in the KV store (Consul, or the worker's file KV). */
@ActivityInterface
public interface KvActivities {
  /**
   * Sets {@code conveyor/<env>/<service>/image} to the pinned image, {@code …/commit} to the commit
   * and {@code …/previous} to the value it replaced, with compare-and-set. Idempotent: when the
   * image key already holds the pinned image, nothing is written and {@code changed} is false.
   */
  KvResult recordImage(KvRequest request);

  record KvRequest(
      String consulUrl, String env, String service, String pinnedImage, String commit) {}

  /** {@code previous} is the image that was live before (null on a first deployment). */
  record KvResult(String key, String previous, boolean changed) {}
}
