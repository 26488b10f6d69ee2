package dev.conveyor.workflows.lane;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The lane's state machine. Signal handlers only change state and queue messages; the main loop
 * sends them, so a handler never blocks and every decision is made in one place. A lane sets no
 * Conveyor search attribute: it runs for ever, and lists of running deployments must not show it.
 *
 * <ul>
 *   <li>{@code enter} on a free lane grants at once: the first to arrive runs.
 *   <li>{@code enter} on a busy lane: the newer of the new ticket and the waiting one (by request
 *       time) waits, the other is told it was superseded.
 *   <li>{@code enter} of a ticket older than the newest one the lane has already let through: it is
 *       told it was superseded by that one at once (since {@link #NEWEST_WINS}; deployments enter
 *       once their image is pushed, so a slow build of an older commit can arrive after a newer
 *       commit was granted, and must not be deployed over it).
 *   <li>{@code leave} from the holder frees the lane; the waiting ticket, if any, is granted next.
 *   <li>A holder that ended without leaving (terminated, timed out) is found by re-sending its
 *       grant every {@link #HOLDER_CHECK}: a signal to a closed run fails, and the lane moves on.
 * </ul>
 */
public final class ServiceLaneWorkflowImpl implements ServiceLaneWorkflow {
  private static final Logger log = Workflow.getLogger(ServiceLaneWorkflowImpl.class);

  /** How often the lane makes sure its holder still runs (a failed re-grant frees the lane). */
  static final Duration HOLDER_CHECK = Duration.ofMinutes(5);

  /**
   * History length after which the lane continues as new even when the server does not suggest it
   * yet; well below the 10,240-event warning.
   */
  static final long HISTORY_LIMIT = 2_000;

  /**
   * Version marker, read once per run: runs recorded before it (version {@code DEFAULT_VERSION})
   * compare an entering ticket only with the waiting one, exactly as they did.
   */
  static final String NEWEST_WINS = "lane-newest-wins";

  private final Deque<Message> outbox = new ArrayDeque<>();
  private boolean newestWins;
  private LaneTicket newestGranted;
  private final List<Object> early = new ArrayList<>();
  private boolean started;
  private String laneId;
  private String env;
  private String service;
  private LaneTicket holder;
  private LaneTicket waiting;
  private long grants;
  private long supersessions;
  private long nextHolderCheck;

  private sealed interface Message permits Grant, Supersede {}

  private record Grant(LaneTicket to) implements Message {}

  private record Supersede(LaneTicket loser, LaneTicket winner) implements Message {}

  @Override
  public void run(LaneState state) {
    laneId = Workflow.getInfo().getWorkflowId();
    env = state.env();
    service = state.service();
    holder = state.holder();
    waiting = state.waiting();
    grants = state.grants();
    supersessions = state.supersessions();
    newestWins =
        Workflow.getVersion(NEWEST_WINS, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    newestGranted = state.newestGranted() != null ? state.newestGranted() : state.holder();
    started = true;
    // Signals that came with the first task may reach their handlers before this method runs; they
    // were kept aside and apply now, on top of the state carried over.
    for (Object signal : early) {
      if (signal instanceof LaneTicket ticket) {
        enter(ticket);
      } else if (signal instanceof LaneExit exit) {
        leave(exit);
      }
    }
    early.clear();
    scheduleHolderCheck();
    while (true) {
      deliverOutbox();
      if (holder == null && waiting != null) {
        holder = waiting;
        waiting = null;
        grant(holder);
        continue;
      }
      if (historyIsLong() && outbox.isEmpty()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (outbox.isEmpty() && !(holder == null && waiting != null)) {
          Workflow.continueAsNew(
              new LaneState(env, service, holder, waiting, grants, supersessions, newestGranted));
        }
        continue;
      }
      if (holder == null) {
        Workflow.await(this::hasWork);
        continue;
      }
      long untilCheck = nextHolderCheck - Workflow.currentTimeMillis();
      if (untilCheck > 0) {
        Workflow.await(Duration.ofMillis(untilCheck), this::hasWork);
      }
      if (holder != null && Workflow.currentTimeMillis() >= nextHolderCheck) {
        scheduleHolderCheck();
        checkHolder();
      }
    }
  }

  @Override
  public void enter(LaneTicket ticket) {
    if (!started) {
      early.add(ticket);
      return;
    }
    if (holder != null && holder.sameRun(ticket.workflowId(), ticket.runId())) {
      return;
    }
    if (waiting != null && waiting.sameRun(ticket.workflowId(), ticket.runId())) {
      return;
    }
    if (newestWins && newestGranted != null && newestGranted.requestedAt() > ticket.requestedAt()) {
      outbox.add(new Supersede(ticket, newestGranted));
    } else if (holder == null && waiting == null) {
      holder = ticket;
      grant(ticket);
    } else if (waiting == null) {
      waiting = ticket;
    } else if (ticket.newerThan(waiting)) {
      outbox.add(new Supersede(waiting, ticket));
      waiting = ticket;
    } else {
      outbox.add(new Supersede(ticket, waiting));
    }
  }

  @Override
  public void leave(LaneExit exit) {
    if (!started) {
      early.add(exit);
      return;
    }
    if (holder != null && holder.sameRun(exit.workflowId(), exit.runId())) {
      holder = null;
    } else if (waiting != null && waiting.sameRun(exit.workflowId(), exit.runId())) {
      waiting = null;
    }
  }

  @Override
  public LaneStatus status() {
    return new LaneStatus(laneId, env, service, holder, waiting, grants, supersessions);
  }

  private void grant(LaneTicket ticket) {
    grants++;
    if (newestGranted == null || ticket.newerThan(newestGranted)) {
      newestGranted = ticket;
    }
    scheduleHolderCheck();
    outbox.add(new Grant(ticket));
  }

  private boolean hasWork() {
    return !outbox.isEmpty() || (holder == null && waiting != null);
  }

  private boolean historyIsLong() {
    return Workflow.getInfo().isContinueAsNewSuggested()
        || Workflow.getInfo().getHistoryLength() > HISTORY_LIMIT;
  }

  private void scheduleHolderCheck() {
    nextHolderCheck = Workflow.currentTimeMillis() + HOLDER_CHECK.toMillis();
  }

  /** Sends queued messages in order. A grant that cannot be delivered frees the lane. */
  private void deliverOutbox() {
    while (!outbox.isEmpty()) {
      Message message = outbox.poll();
      if (message instanceof Grant grant) {
        if (!signal(grant.to(), m -> m.laneGranted(new LaneGrant(laneId)))) {
          log.warn("{}: {} is gone before its turn; next", laneId, grant.to().workflowId());
          if (grant.to().equals(holder)) {
            holder = null;
          }
        }
      } else if (message instanceof Supersede supersede) {
        supersessions++;
        signal(
            supersede.loser(),
            m ->
                m.superseded(
                    new Supersession(
                        laneId, supersede.winner().workflowId(), supersede.winner().commit())));
      }
    }
  }

  /** Re-sends the grant: harmless to a running holder, and fails when the holder's run closed. */
  private void checkHolder() {
    LaneTicket current = holder;
    if (!signal(current, m -> m.laneGranted(new LaneGrant(laneId)))) {
      log.warn("{}: holder {} ended without leaving; lane freed", laneId, current.workflowId());
      if (current.equals(holder)) {
        holder = null;
      }
    }
  }

  /** Signals one member's run; false when it cannot be reached (its run has closed). */
  private static boolean signal(LaneTicket to, Consumer<LaneMember> send) {
    LaneMember member =
        Workflow.newExternalWorkflowStub(
            LaneMember.class,
            WorkflowExecution.newBuilder()
                .setWorkflowId(to.workflowId())
                .setRunId(to.runId())
                .build());
    try {
      send.accept(member);
      return true;
    } catch (CanceledFailure canceled) {
      throw canceled;
    } catch (TemporalFailure unreachable) {
      return false;
    }
  }
}
