package dev.conveyor.cli.demo;

import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import dev.conveyor.workflows.release.ReleaseStatus;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Follows a release until it ends: one line per service with its state, the step its deployment is
 * at, the time since it started, and the last health reading. On a terminal the lines are redrawn
 * in place; otherwise a line is printed whenever it changes.
 */
final class ReleaseWatch {
  private static final Duration POLL = Duration.ofMillis(500);

  private final WorkflowClient client;
  private final PrintWriter out;
  private final boolean terminal;
  private final Map<String, String> lastLines = new HashMap<>();
  private int drawn;

  ReleaseWatch(WorkflowClient client, PrintWriter out, boolean terminal) {
    this.client = client;
    this.out = out;
    this.terminal = terminal;
  }

  /** Blocks until the release ends or the deadline passes; returns its last status. */
  ReleaseStatus follow(String releaseId, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    ReleaseStatus status = null;
    while (true) {
      boolean running = isRunning(releaseId);
      try {
        status = client.newWorkflowStub(StackReleaseWorkflow.class, releaseId).status();
        render(status);
      } catch (RuntimeException notYetAnswering) {
        // The release's first workflow task has not run yet: nothing to show.
      }
      if (!running) {
        return status;
      }
      if (System.nanoTime() > end) {
        throw new DemoException(releaseId + " did not end in " + deadline.toMinutes() + " minutes");
      }
      DemoServices.sleep(POLL.toMillis());
    }
  }

  private boolean isRunning(String workflowId) {
    return client.newUntypedWorkflowStub(workflowId).describe().getStatus()
        == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  private void render(ReleaseStatus status) {
    List<String> lines = new ArrayList<>();
    for (ServiceRelease service : status.services()) {
      lines.add(line(service));
    }
    if (terminal) {
      if (drawn > 0) {
        out.print("\033[" + drawn + "F");
      }
      for (String line : lines) {
        out.print("\033[2K" + line + "\n");
      }
      drawn = lines.size();
    } else {
      // Plain output: a line when the state, step or detail changes, not for every tick.
      for (int i = 0; i < lines.size(); i++) {
        String service = status.services().get(i).service();
        String withoutTime = lines.get(i).replaceFirst("\\s+\\d+\\.\\ds ", " ");
        if (!withoutTime.equals(lastLines.put(service, withoutTime))) {
          out.println(lines.get(i));
        }
      }
    }
    out.flush();
  }

  private String line(ServiceRelease service) {
    String step = "";
    String health = "";
    if (service.workflowId() != null && !service.state().ended()) {
      DeployStatus deployment = deploymentStatus(service.workflowId());
      if (deployment != null) {
        for (StepStatus s : deployment.steps()) {
          if (s.state() == StepState.RUNNING) {
            step = s.step().label();
          }
          if (s.step().label().equals("health") && !s.detail().isEmpty()) {
            health = s.detail();
          }
        }
      }
    }
    long elapsedMillis =
        service.startedAt() == 0
            ? 0
            : (service.endedAt() == 0 ? System.currentTimeMillis() : service.endedAt())
                - service.startedAt();
    String detail = service.state().ended() ? service.detail() : health;
    return String.format(
        Locale.ROOT,
        "  %-10s %-10s %-8s %6.1fs  %s",
        service.service(),
        service.state().name().toLowerCase(Locale.ROOT),
        step,
        Math.max(0, elapsedMillis) / 1000.0,
        detail == null ? "" : detail);
  }

  private DeployStatus deploymentStatus(String workflowId) {
    try {
      return client.newWorkflowStub(ServiceDeploymentWorkflow.class, workflowId).status();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
