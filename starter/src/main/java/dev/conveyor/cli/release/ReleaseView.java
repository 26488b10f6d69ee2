package dev.conveyor.cli.release;

import dev.conveyor.workflows.release.JobRelease;
import dev.conveyor.workflows.release.ReleaseStatus;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The live view of {@code release --wait}: one line per service with its state (or current step),
 * elapsed time and detail. On a terminal the block is redrawn in place (ANSI cursor-up and
 * erase-line); otherwise a line is printed whenever a service's state or detail changes.
 */
final class ReleaseView {
  private final PrintWriter out;
  private final boolean inPlace;
  private final Map<String, String> lastShown = new HashMap<>();
  private int drawnLines;

  ReleaseView(PrintWriter out, boolean inPlace) {
    this.out = out;
    this.inPlace = inPlace;
  }

  /** Whether this process writes to an interactive terminal that understands ANSI. */
  static boolean terminal() {
    String term = System.getenv("TERM");
    return System.console() != null && term != null && !term.isBlank() && !term.equals("dumb");
  }

  /** Shows {@code status} as seen at {@code now} (epoch millis). */
  void render(ReleaseStatus status, long now) {
    render(status, now, service -> null);
  }

  /**
   * As {@link #render(ReleaseStatus, long)}, with the step each service's deployment runs right now
   * ({@code currentStep} answers null when it does not know).
   */
  void render(ReleaseStatus status, long now, Function<ServiceRelease, String> currentStep) {
    List<ServiceRelease> services = new ArrayList<>();
    for (ServiceRelease service : status.services()) {
      services.add(withStep(service, currentStep.apply(service)));
    }
    if (status.jobs() != null) {
      status.jobs().forEach(job -> services.add(asLine(job)));
    }
    List<String> lines = new ArrayList<>();
    for (ServiceRelease service : services) {
      lines.add(line(service, now));
    }
    if (inPlace) {
      StringBuilder frame = new StringBuilder();
      if (drawnLines > 0) {
        frame.append("\u001b[").append(drawnLines).append('A');
      }
      for (String line : lines) {
        frame.append("\r\u001b[2K").append(line).append('\n');
      }
      out.print(frame);
      drawnLines = lines.size();
    } else {
      for (ServiceRelease service : services) {
        String key = what(service);
        if (!key.equals(lastShown.put(service.service(), key))) {
          out.println(line(service, now));
        }
      }
    }
    out.flush();
  }

  /** A job of the release, shown as a line like a service's ({@code job report}). */
  private static ServiceRelease asLine(JobRelease job) {
    return new ServiceRelease(
        "job " + job.job(),
        job.commit(),
        job.dependsOn(),
        List.of(),
        job.state(),
        job.detail(),
        job.workflowId(),
        job.image(),
        null,
        job.configCommit(),
        job.startedAt(),
        0,
        0,
        job.endedAt(),
        List.of());
  }

  /** {@code api DEPLOYING 12.3s step health} */
  /** The service with {@code step} in front of its detail while it builds or deploys. */
  private static ServiceRelease withStep(ServiceRelease service, String step) {
    if (step == null
        || (service.state() != ServiceState.BUILDING
            && service.state() != ServiceState.DEPLOYING)) {
      return service;
    }
    String detail = service.detail() == null ? "" : service.detail().strip();
    String shown =
        detail.isEmpty() || detail.equals("building")
            ? "step " + step
            : "step " + step + "; " + detail;
    return new ServiceRelease(
        service.service(),
        service.commit(),
        service.dependsOn(),
        service.checkedOnTarget(),
        service.state(),
        shown,
        service.workflowId(),
        service.image(),
        service.digest(),
        service.configCommit(),
        service.startedAt(),
        service.builtAt(),
        service.deployStartedAt(),
        service.endedAt(),
        service.steps(),
        service.rollback(),
        service.rollbackWorkflowId(),
        service.rollbackStartedAt(),
        service.rollbackEndedAt());
  }

  static String line(ServiceRelease service, long now) {
    long from = service.startedAt();
    long to = service.state().ended() && service.endedAt() > 0 ? service.endedAt() : now;
    String elapsed =
        from > 0
            ? String.format(Locale.ROOT, "%6.1fs", Math.max(0, to - from) / 1000.0)
            : "      -";
    return String.format(
            Locale.ROOT,
            "  %-16s %-10s %s  %s",
            service.service(),
            service.state().name(),
            elapsed,
            what(service).substring(service.state().name().length()).strip())
        .stripTrailing();
  }

  /** The state and what it is doing: the running step of its deployment, else the detail. */
  private static String what(ServiceRelease service) {
    String detail = service.detail() == null ? "" : service.detail();
    if (service.rollback() != null
        && (service.state() == ServiceState.ROLLING_BACK
            || service.state() == ServiceState.ROLLED_BACK)) {
      detail = service.rollback();
    }
    if (service.state() == ServiceState.BUILDING || service.state() == ServiceState.DEPLOYING) {
      String running =
          service.steps() == null
              ? null
              : service.steps().stream()
                  .filter(s -> s.state().name().equals("RUNNING"))
                  .map(s -> "step " + s.step().label())
                  .findFirst()
                  .orElse(null);
      if (running != null) {
        detail = detail.isBlank() ? running : running + "; " + detail;
      }
    }
    return service.state().name() + " " + detail;
  }
}
