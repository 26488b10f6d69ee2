package dev.conveyor.worker.crash;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCompletionException;
import io.temporal.common.interceptors.ActivityExecutionContextBase;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Kill points at the edges of an activity, inside the real worker process: an activity interceptor
 * that stops a chosen activity of a chosen workflow just before it runs ({@code before}) or just
 * after it returned and before its result goes to Temporal ({@code after}), prints {@value #MARKER}
 * with the point, and keeps the attempt alive with heartbeats (re-sending the activity's own last
 * details) until the process is SIGKILLed. That is the state a crash at that instant leaves: for
 * {@code after}, every side effect of the activity is done and Temporal does not know.
 *
 * <p>Deliberately not a {@code @Configuration}: component scanning never picks it up; only a worker
 * started with {@code --spring.main.sources=dev.conveyor.worker.crash.HoldPoints} and {@code
 * --conveyor.test.holds=<phase>:<ActivityType>:<workflowId>,…} has it. Each rule holds one call,
 * once.
 */
public final class HoldPoints {
  public static final String PROPERTY = "conveyor.test.holds";
  public static final String MARKER = "CONVEYOR-HOLD";
  public static final String LOST = "CONVEYOR-HOLD-LOST";

  /** The rule for {@code phase} ({@code before} or {@code after}) of one activity of a workflow. */
  public static String rule(String phase, String activityType, String workflowId) {
    return phase + ":" + activityType + ":" + workflowId;
  }

  /** The marker line the worker prints when the rule holds. */
  public static String marker(String rule) {
    return MARKER + " " + rule;
  }

  @Bean
  WorkerInterceptor conveyorTestHoldPoints(Environment environment) {
    Set<String> rules = ConcurrentHashMap.newKeySet();
    Arrays.stream(environment.getProperty(PROPERTY, "").split(","))
        .map(String::strip)
        .filter(r -> !r.isEmpty())
        .forEach(rules::add);
    return new WorkerInterceptorBase() {
      @Override
      public ActivityInboundCallsInterceptor interceptActivity(
          ActivityInboundCallsInterceptor next) {
        return new Holding(next, rules);
      }
    };
  }

  private static final class Holding extends ActivityInboundCallsInterceptorBase {
    private final Set<String> rules;
    private final AtomicReference<Object> lastDetails = new AtomicReference<>();
    private ActivityExecutionContext context;

    Holding(ActivityInboundCallsInterceptor next, Set<String> rules) {
      super(next);
      this.rules = rules;
    }

    @Override
    public void init(ActivityExecutionContext context) {
      this.context = context;
      super.init(
          new ActivityExecutionContextBase(context) {
            @Override
            public <V> void heartbeat(V details) {
              lastDetails.set(details);
              super.heartbeat(details);
            }
          });
    }

    @Override
    public ActivityOutput execute(ActivityInput input) {
      holdIf("before");
      ActivityOutput output = super.execute(input);
      holdIf("after");
      return output;
    }

    private void holdIf(String phase) {
      ActivityInfo info = context.getInfo();
      String rule = rule(phase, info.getActivityType(), info.getWorkflowId());
      if (!rules.remove(rule)) {
        return;
      }
      if (lastDetails.get() == null) {
        context.getHeartbeatDetails(Object.class).ifPresent(lastDetails::set);
      }
      System.out.println(marker(rule) + " attempt " + info.getAttempt());
      System.out.flush();
      boolean lost = false;
      while (true) {
        try {
          context.heartbeat(lastDetails.get());
        } catch (ActivityCompletionException e) {
          if (!lost) {
            System.out.println(LOST + " " + rule + ": " + e);
            System.out.flush();
            lost = true;
          }
        }
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
