package dev.conveyor.worker.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A point where a peer (a simulator, a proxy, the webhook sink) stops and waits: the first caller
 * of {@link #pause} marks it {@link #reached} and blocks until the test calls {@link #release}.
 * Later callers pass straight through, so only one request is ever held.
 */
public final class Hold {
  /** The longest a peer stays held, so a broken test cannot hang a build forever. */
  public static final Duration LIMIT = Duration.ofMinutes(3);

  private final String name;
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  public Hold(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** Called by the peer at the point: blocks the first caller until released. */
  public void pause() {
    synchronized (this) {
      if (reached.getCount() == 0) {
        return;
      }
      reached.countDown();
    }
    try {
      released.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public boolean isReached() {
    return reached.getCount() == 0;
  }

  /** Waits until a peer paused here. */
  public boolean awaitReached(Duration timeout) throws InterruptedException {
    return reached.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Lets the held caller go on (and every later one). */
  public void release() {
    released.countDown();
  }

  @Override
  public String toString() {
    return "Hold[" + name + (isReached() ? ", reached" : "") + "]";
  }
}
