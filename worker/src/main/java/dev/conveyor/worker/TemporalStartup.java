package dev.conveyor.worker;

import dev.conveyor.workflows.SearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Before the workers start polling: check that Temporal answers (one clear line if not), and
 * register Conveyor's search attributes, because a workflow that upserts an unregistered one hangs
 * instead of failing.
 */
@Component
final class TemporalStartup implements ApplicationRunner {
  private static final Logger log = LoggerFactory.getLogger(TemporalStartup.class);

  private final WorkflowServiceStubs service;
  private final String namespace;
  private final String target;

  TemporalStartup(
      WorkflowServiceStubs service,
      @Value("${spring.temporal.namespace:default}") String namespace,
      @Value("${spring.temporal.connection.target:127.0.0.1:7233}") String target) {
    this.service = service;
    this.namespace = namespace;
    this.target = target;
  }

  @Override
  public void run(ApplicationArguments args) {
    try {
      service
          .blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException(unreachable(target, e), e);
    }
    registerSearchAttributes();
    log.info("connected to Temporal at {} (namespace {})", target, namespace);
  }

  private void registerSearchAttributes() {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      java.util.Set<String> existing = existingAttributes(operator);
      AddSearchAttributesRequest.Builder add =
          AddSearchAttributesRequest.newBuilder().setNamespace(namespace);
      int missing = 0;
      for (SearchAttributeKey<String> key : SearchAttributes.ALL) {
        if (!existing.contains(key.getName())) {
          add.putSearchAttributes(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
          missing++;
        }
      }
      if (missing > 0) {
        operator
            .blockingStub()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .addSearchAttributes(add.build());
        log.info("registered {} Conveyor search attributes in namespace {}", missing, namespace);
      }
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw new IllegalStateException(
            "cannot register Conveyor's search attributes in namespace "
                + namespace
                + " ("
                + e.getStatus()
                + "); on Temporal Cloud add them once with `tcld namespace search-attributes add`,"
                + " see docs/production.md",
            e);
      }
    } finally {
      operator.shutdown();
    }
  }

  /**
   * The custom attributes the namespace has. The embedded test server cannot list them
   * (UNIMPLEMENTED) but can add them, so there the answer is "none" and all are added.
   */
  private java.util.Set<String> existingAttributes(OperatorServiceStubs operator) {
    try {
      ListSearchAttributesResponse response =
          operator
              .blockingStub()
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .listSearchAttributes(
                  ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build());
      return response.getCustomAttributesMap().keySet();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return java.util.Set.of();
      }
      throw e;
    }
  }

  static String unreachable(String target, StatusRuntimeException e) {
    return "cannot reach Temporal at "
        + target
        + " ("
        + e.getStatus().getCode()
        + "). Start a local server with `./conveyor worker --dev`, or set"
        + " CONVEYOR_TEMPORAL / --spring.temporal.connection.target=HOST:PORT.";
  }

  /** The one line to print when startup failed because Temporal was not reachable, else null. */
  static String unreachableReason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IllegalStateException
          && t.getMessage() != null
          && t.getMessage().startsWith("cannot reach Temporal")) {
        return t.getMessage();
      }
      if (t instanceof StatusRuntimeException sre
          && (sre.getStatus().getCode() == Status.Code.UNAVAILABLE
              || sre.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED)) {
        return "cannot reach Temporal ("
            + sre.getStatus().getCode()
            + "). Start a local server with `./conveyor worker --dev`, or set CONVEYOR_TEMPORAL.";
      }
    }
    return null;
  }
}
