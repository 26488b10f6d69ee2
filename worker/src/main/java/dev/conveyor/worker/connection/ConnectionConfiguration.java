package dev.conveyor.worker.connection;

import dev.conveyor.worker.WorkerProperties;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.spring.boot.autoconfigure.properties.TemporalProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Temporal connection settings the starter lacks. Target, namespace, mTLS client certificate and
 * API key are the starter's own {@code spring.temporal.connection.*} properties (see
 * docs/production.md); this adds a private CA for the server certificate.
 */
@Configuration(proxyBeanMethods = false)
class ConnectionConfiguration {
  @Bean
  TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> temporalServerCa(
      WorkerProperties properties, TemporalProperties temporal) {
    if (properties.temporal().serverCaFile() == null) {
      return stubs -> stubs;
    }
    return new TemporalTls(properties.temporal().serverCaFile(), temporal.getConnection());
  }
}
