package dev.conveyor.workflows.promotion;

import dev.conveyor.workflows.steps.PromotionActivities;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake source environment: what its KV records and whether its target runs it healthy. */
final class LiveSource implements PromotionActivities {
  private final Map<String, LiveService> services = new LinkedHashMap<>();
  private volatile boolean approvalRequired;
  final AtomicInteger reads = new AtomicInteger();

  LiveSource live(String service, String commit, String image) {
    services.put(service, new LiveService(service, commit, image, true, "1/1 healthy"));
    return this;
  }

  LiveSource unhealthy(String service, String commit, String image, String summary) {
    services.put(service, new LiveService(service, commit, image, false, summary));
    return this;
  }

  LiveSource approvalRequired() {
    approvalRequired = true;
    return this;
  }

  @Override
  public LiveStack readLive(LiveStackRequest request) {
    reads.incrementAndGet();
    List<LiveService> chosen = new ArrayList<>();
    services.forEach(
        (name, service) -> {
          if (request.services().isEmpty() || request.services().contains(name)) {
            chosen.add(service);
          }
        });
    return new LiveStack("defs" + "0".repeat(36), approvalRequired, chosen);
  }
}
