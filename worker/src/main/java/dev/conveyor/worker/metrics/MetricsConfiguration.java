package dev.conveyor.worker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Conveyor's own metrics, beside the Temporal SDK's (which the starter reports into the same
 * Micrometer registry). The starter adds every {@link WorkerInterceptor} bean to its workers.
 */
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {
  @Bean
  WorkerInterceptor conveyorMetricsInterceptor(MeterRegistry registry) {
    return new WorkerInterceptorBase() {
      @Override
      public WorkflowInboundCallsInterceptor interceptWorkflow(
          WorkflowInboundCallsInterceptor next) {
        return new DeploymentOutcomes(next);
      }

      @Override
      public ActivityInboundCallsInterceptor interceptActivity(
          ActivityInboundCallsInterceptor next) {
        return new StepTimings(registry, next);
      }
    };
  }
}
