package dev.conveyor.bench;

import io.temporal.testserver.TestServer;
import java.lang.reflect.Field;
import java.util.LinkedList;
import java.util.concurrent.locks.Lock;

/**
 * Works around a cost of the in-process test server that a real Temporal server does not have.
 *
 * <p>The test server's {@code SelfAdvancingTimerImpl} appends an event to a {@code LinkedList} on
 * every lock and unlock of time skipping (at least one pair per workflow task and per activity) and
 * never clears it; each release of a lock handle then removes its own event with {@code
 * LinkedList.remove(Object)}, a scan from the oldest end. The list grows with every task the server
 * ever ran, so each task costs more than the last: in a 100-service release a profile had 38 % of
 * all samples in that scan. Swapping in a list whose {@code remove(Object)} scans from the newest
 * end (where a handle's own event almost always is) removes exactly the same element (events are
 * distinct objects compared by identity) in a few steps. Nothing else changes: the same events are
 * kept, in the same order, for the server's diagnostics.
 */
final class TestServerLockList {
  private TestServerLockList() {}

  /**
   * Installs the list on {@code server}.
   *
   * @throws IllegalStateException when the server's internals are not what this was written for
   *     (another SDK version): the benchmark stops rather than measure something else; {@code
   *     --server=as-shipped} runs without the patch
   */
  static void install(TestServer.InProcessTestServer server) {
    try {
      Object service = server.getWorkflowService();
      Field timerField = service.getClass().getDeclaredField("selfAdvancingTimer");
      timerField.setAccessible(true);
      Object timer = timerField.get(service);
      Field eventsField = timer.getClass().getDeclaredField("lockEvents");
      eventsField.setAccessible(true);
      @SuppressWarnings("unchecked")
      LinkedList<Object> events = (LinkedList<Object>) eventsField.get(timer);
      NewestFirstRemoval replacement = new NewestFirstRemoval();
      Field lockField = timer.getClass().getDeclaredField("lock");
      lockField.setAccessible(true);
      Lock lock = (Lock) lockField.get(timer);
      lock.lock();
      try {
        replacement.addAll(events);
        eventsField.set(timer, replacement);
      } finally {
        lock.unlock();
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot patch the test server's lock list: " + e, e);
    }
  }

  /** Exactly a {@link LinkedList}, except that {@code remove(Object)} looks from the end. */
  static final class NewestFirstRemoval extends LinkedList<Object> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean remove(Object o) {
      return removeLastOccurrence(o);
    }
  }
}
