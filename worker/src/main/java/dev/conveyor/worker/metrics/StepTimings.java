package dev.conveyor.worker.metrics;

import dev.conveyor.workflows.steps.DeployActivities.HealthRequest;
import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import java.time.Duration;

/**
 * Times every activity attempt in this worker by activity type ({@code step}) and outcome, and
 * records the two waits operators ask about: the health gate (by env and service) and failed
 * notifications (by notifier type). Activities are not replayed, so counting here counts each
 * attempt once, in the process that ran it.
 */
final class StepTimings extends ActivityInboundCallsInterceptorBase {
  static final String STEP_DURATION = "conveyor.step.duration";
  static final String HEALTH_WAIT = "conveyor.health.wait";
  static final String NOTIFY_FAILURES = "conveyor.notify.failures";

  private static final Duration MIN_EXPECTED = Duration.ofMillis(5);
  private static final Duration MAX_EXPECTED = Duration.ofHours(1);

  private final MeterRegistry registry;
  private String activityType = "unknown";

  StepTimings(MeterRegistry registry, ActivityInboundCallsInterceptor next) {
    super(next);
    this.registry = registry;
  }

  @Override
  public void init(ActivityExecutionContext context) {
    activityType = context.getInfo().getActivityType();
    super.init(context);
  }

  @Override
  public ActivityOutput execute(ActivityInput input) {
    long start = System.nanoTime();
    String outcome = "failure";
    try {
      ActivityOutput output = super.execute(input);
      outcome = "success";
      return output;
    } finally {
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      timer(STEP_DURATION, "step", activityType, "outcome", outcome).record(took);
      Object argument = input.getArguments().length == 0 ? null : input.getArguments()[0];
      if (argument instanceof HealthRequest health && health.target() != null) {
        timer(
                HEALTH_WAIT,
                "env",
                tag(health.target().env()),
                "service",
                tag(health.target().service()),
                "outcome",
                outcome)
            .record(took);
      }
      if (argument instanceof Notification notification && outcome.equals("failure")) {
        Counter.builder(NOTIFY_FAILURES)
            .description("Notification attempts that failed, by notifier type")
            .tag(
                "type",
                tag(notification.notifier() == null ? null : notification.notifier().type()))
            .tag("env", tag(notification.env()))
            .tag("service", tag(notification.service()))
            .register(registry)
            .increment();
      }
    }
  }

  private Timer timer(String name, String... tags) {
    return Timer.builder(name)
        .tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_EXPECTED)
        .maximumExpectedValue(MAX_EXPECTED)
        .register(registry);
  }

  private static String tag(String value) {
    return value == null || value.isBlank() ? "unknown" : value;
  }
}
