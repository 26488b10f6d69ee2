package dev.conveyor.worker;

import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.NotifyActivities;
import dev.conveyor.workflows.steps.ResolveActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.metadata.POJOActivityInterfaceMetadata;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import io.temporal.spring.boot.WorkflowImplementationOptionsCustomizer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code conveyor.worker.test.heartbeat-timeout}: a worker-side override of the heartbeat timeout
 * of every activity type the workflows call, through {@code
 * WorkflowImplementationOptions.setActivityOptions} (Temporal merges these per-type options over
 * the options the workflow code gives its stubs; only the heartbeat timeout is set, so the
 * workflow's start-to-close timeouts and retry policies stay as they are). The workflow code reads
 * nothing new, so it stays deterministic, and a timeout is not part of what replay compares.
 *
 * <p>Unset (production) nothing is overridden. The crash tests set a few seconds so that an
 * activity whose worker was SIGKILLed is retried within seconds instead of after its start-to-close
 * timeout.
 */
@Configuration(proxyBeanMethods = false)
class ActivityTimeoutOverrides {
  private static final Logger log = LoggerFactory.getLogger(ActivityTimeoutOverrides.class);

  /** Every activity interface a Conveyor workflow schedules. */
  static final List<Class<?>> ACTIVITY_INTERFACES =
      List.of(
          ResolveActivities.class,
          BuildActivities.class,
          KvActivities.class,
          GitOpsActivities.class,
          DeployActivities.class,
          NotifyActivities.class);

  @Bean
  WorkflowImplementationOptionsCustomizer heartbeatTimeoutOverride(WorkerProperties properties) {
    Duration heartbeat = properties.test().heartbeatTimeout();
    if (heartbeat == null) {
      return (builder, worker, workflowClass, method) -> builder;
    }
    Map<String, ActivityOptions> overrides = overrides(heartbeat);
    log.warn(
        "conveyor.worker.test.heartbeat-timeout={} overrides the heartbeat timeout of {} (a"
            + " setting for crash tests, not for production)",
        heartbeat,
        overrides.keySet());
    return (builder, worker, workflowClass, method) -> builder.setActivityOptions(overrides);
  }

  /** Activity type name → options that set only the heartbeat timeout. */
  static Map<String, ActivityOptions> overrides(Duration heartbeat) {
    Map<String, ActivityOptions> overrides = new TreeMap<>();
    for (Class<?> type : ACTIVITY_INTERFACES) {
      for (POJOActivityMethodMetadata method :
          POJOActivityInterfaceMetadata.newInstance(type).getMethodsMetadata()) {
        overrides.put(
            method.getActivityTypeName(),
            ActivityOptions.newBuilder().setHeartbeatTimeout(heartbeat).build());
      }
    }
    return overrides;
  }
}
