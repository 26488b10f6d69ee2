package dev.conveyor.cli;

import dev.conveyor.workflows.SearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.filter.v1.StartTimeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "Lists Conveyor workflows (deployments, rollbacks, releases, jobs), newest first.",
      "Uses a visibility query on the Conveyor search attributes; on a server without one",
      "(the embedded dev server) lists open and closed workflows and filters here."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed (also when nothing matched)", "2:usage error, Temporal unreachable"})
final class ListCommand implements Callable<Integer> {
  /** Temporal's execution states; any other {@code --status} is a {@code ConveyorStatus}. */
  static final Set<String> EXECUTION_STATES =
      Set.of("running", "completed", "failed", "canceled", "terminated", "timed_out");

  private static final DataConverter JSON = DefaultDataConverter.newDefaultInstance();

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin TemporalOptions temporal;

  @Option(names = "--env", description = "Only this environment.")
  String env;

  @Option(names = "--service", description = "Only this service.")
  String service;

  @Option(
      names = "--status",
      description =
          "running, completed, failed, canceled, terminated, timed_out (Temporal's state) or a"
              + " Conveyor status: paused, baking, succeeded, skipped, superseded, rolling back,"
              + " rolled back, aborting, aborted.")
  String status;

  @Option(
      names = "--limit",
      defaultValue = "20",
      description = "At most this many (default: ${DEFAULT-VALUE}).")
  int limit;

  /** One line of the listing. */
  record Row(
      String workflowId,
      String type,
      String state,
      String conveyorStatus,
      String step,
      Instant started) {}

  @Override
  public Integer call() {
    if (limit < 1) {
      spec.commandLine().getErr().println("conveyor list: --limit must be at least 1");
      return ConveyorCli.USAGE;
    }
    try (TemporalOptions.Connection connection = temporal.connect()) {
      List<Row> rows = list(connection.service(), temporal.namespace);
      print(spec.commandLine().getOut(), rows);
      return ConveyorCli.OK;
    }
  }

  /** The matching workflows, newest first, at most {@link #limit}. */
  List<Row> list(WorkflowServiceStubs service, String namespace) {
    List<WorkflowExecutionInfo> found;
    try {
      found =
          service
              .blockingStub()
              .listWorkflowExecutions(
                  ListWorkflowExecutionsRequest.newBuilder()
                      .setNamespace(namespace)
                      .setPageSize(limit)
                      .setQuery(query())
                      .build())
              .getExecutionsList();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      found =
          openAndClosed(service, namespace).stream()
              .filter(this::idMatches)
              .map(info -> withSearchAttributes(service, namespace, info))
              .filter(this::matches)
              .toList();
    }
    return found.stream()
        .map(ListCommand::row)
        .sorted(Comparator.comparing(Row::started).reversed())
        .limit(limit)
        .toList();
  }

  /**
   * The visibility query, e.g. {@code ConveyorEnv = "prod" AND ExecutionStatus = "Running"}; every
   * Conveyor workflow but a lane sets {@code ConveyorEnv}, so it is always there.
   */
  String query() {
    List<String> terms = new ArrayList<>();
    terms.add(
        env == null
            ? SearchAttributes.ENV.getName() + " IS NOT NULL"
            : SearchAttributes.ENV.getName() + " = " + quoted(env));
    if (service != null) {
      terms.add(SearchAttributes.SERVICE.getName() + " = " + quoted(service));
    }
    if (status != null) {
      String wanted = status.toLowerCase(Locale.ROOT);
      terms.add(
          EXECUTION_STATES.contains(wanted)
              ? "ExecutionStatus = " + quoted(executionStatusName(wanted))
              : SearchAttributes.STATUS.getName() + " = " + quoted(wanted));
    }
    return String.join(" AND ", terms);
  }

  private static String quoted(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** {@code timed_out} → {@code TimedOut}, as the visibility query spells it. */
  private static String executionStatusName(String state) {
    StringBuilder name = new StringBuilder();
    for (String part : state.split("_")) {
      name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return name.toString();
  }

  private static List<WorkflowExecutionInfo> openAndClosed(
      WorkflowServiceStubs service, String namespace) {
    StartTimeFilter everything =
        StartTimeFilter.newBuilder()
            .setEarliestTime(com.google.protobuf.Timestamp.getDefaultInstance())
            .setLatestTime(
                com.google.protobuf.Timestamp.newBuilder()
                    .setSeconds(Instant.now().plusSeconds(3600).getEpochSecond()))
            .build();
    List<WorkflowExecutionInfo> all = new ArrayList<>();
    all.addAll(
        service
            .blockingStub()
            .listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(namespace)
                    .setMaximumPageSize(1000)
                    .setStartTimeFilter(everything)
                    .build())
            .getExecutionsList());
    all.addAll(
        service
            .blockingStub()
            .listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(namespace)
                    .setMaximumPageSize(1000)
                    .setStartTimeFilter(everything)
                    .build())
            .getExecutionsList());
    return all;
  }

  /** Conveyor's workflow kinds by id prefix; a lane ({@code lane/…}) is not listed. */
  static final Set<String> KINDS = Set.of("deploy", "rollback", "release", "job");

  /**
   * A first cut on the id alone ({@code <kind>/<env>/<name>/…}), so only likely matches are
   * described: env always, service for deployments and rollbacks.
   */
  boolean idMatches(WorkflowExecutionInfo info) {
    String[] parts = info.getExecution().getWorkflowId().split("/");
    if (parts.length < 3 || !KINDS.contains(parts[0])) {
      return false;
    }
    if (env != null && !env.equals(parts[1])) {
      return false;
    }
    boolean named = parts[0].equals("deploy") || parts[0].equals("rollback");
    return service == null || !named || service.equals(parts[2]);
  }

  /**
   * The listing of a server without visibility carries no search attributes (the embedded test
   * server's does not): the description has them.
   */
  private static WorkflowExecutionInfo withSearchAttributes(
      WorkflowServiceStubs service, String namespace, WorkflowExecutionInfo info) {
    if (info.getSearchAttributes().getIndexedFieldsCount() > 0) {
      return info;
    }
    io.temporal.api.workflow.v1.WorkflowExecutionInfo described =
        service
            .blockingStub()
            .describeWorkflowExecution(
                io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(namespace)
                    .setExecution(info.getExecution())
                    .build())
            .getWorkflowExecutionInfo();
    return info.toBuilder().setSearchAttributes(described.getSearchAttributes()).build();
  }

  /** The client-side version of {@link #query()}, for the fallback listing. */
  boolean matches(WorkflowExecutionInfo info) {
    String id = info.getExecution().getWorkflowId();
    String workflowEnv = attribute(info, SearchAttributes.ENV.getName());
    if (workflowEnv == null || id.startsWith("lane/")) {
      return false;
    }
    if (env != null && !env.equals(workflowEnv)) {
      return false;
    }
    if (service != null && !service.equals(attribute(info, SearchAttributes.SERVICE.getName()))) {
      return false;
    }
    if (status != null) {
      String wanted = status.toLowerCase(Locale.ROOT);
      if (EXECUTION_STATES.contains(wanted)) {
        return wanted.equals(state(info.getStatus()));
      }
      return wanted.equals(attribute(info, SearchAttributes.STATUS.getName()));
    }
    return true;
  }

  static String attribute(WorkflowExecutionInfo info, String name) {
    Payload payload = info.getSearchAttributes().getIndexedFieldsMap().get(name);
    if (payload == null) {
      return null;
    }
    return JSON.fromPayload(payload, String.class, String.class);
  }

  /** {@code WORKFLOW_EXECUTION_STATUS_TIMED_OUT} → {@code timed_out}. */
  static String state(WorkflowExecutionStatus status) {
    return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT);
  }

  private static Row row(WorkflowExecutionInfo info) {
    return new Row(
        info.getExecution().getWorkflowId(),
        info.getType().getName(),
        state(info.getStatus()),
        attribute(info, SearchAttributes.STATUS.getName()),
        attribute(info, SearchAttributes.STEP.getName()),
        Instant.ofEpochSecond(info.getStartTime().getSeconds(), info.getStartTime().getNanos()));
  }

  static void print(PrintWriter out, List<Row> rows) {
    if (rows.isEmpty()) {
      out.println("no matching workflows");
      return;
    }
    String format = "%-44s %-10s %-12s %-10s %s%n";
    out.printf(format, "WORKFLOW ID", "STATE", "STATUS", "STEP", "STARTED");
    for (Row row : rows) {
      out.printf(
          format,
          row.workflowId(),
          row.state(),
          row.conveyorStatus() == null ? "-" : row.conveyorStatus(),
          row.step() == null ? "-" : row.step(),
          row.started());
    }
  }
}
