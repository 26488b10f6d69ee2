package dev.conveyor.worker.health;

import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** UP when the Temporal frontend answers {@code GetSystemInfo} within the timeout. Read-only. */
final class TemporalHealthIndicator implements HealthIndicator {
  private final WorkflowServiceStubs service;
  private final String target;
  private final String namespace;
  private final Duration timeout;

  TemporalHealthIndicator(
      WorkflowServiceStubs service, String target, String namespace, Duration timeout) {
    this.service = service;
    this.target = target;
    this.namespace = namespace;
    this.timeout = timeout;
  }

  @Override
  public Health health() {
    Health.Builder health = new Health.Builder().withDetail("target", target);
    health.withDetail("namespace", namespace);
    try {
      GetSystemInfoResponse info =
          service
              .blockingStub()
              .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      if (!info.getServerVersion().isEmpty()) {
        health.withDetail("serverVersion", info.getServerVersion());
      }
      return health.up().build();
    } catch (StatusRuntimeException e) {
      return health
          .down()
          .withDetail("error", target + ": " + e.getStatus().getCode() + describe(e))
          .build();
    }
  }

  private static String describe(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    return description == null || description.isBlank() ? "" : " (" + description + ")";
  }
}
