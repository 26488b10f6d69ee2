package dev.conveyor.worker.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock for a simulator that follows real time until the test {@link #hold holds} it, stands
 * still while held, and {@link #let goes on} from a later instant when the test lets it. A Marathon
 * simulator on it deploys and turns tasks healthy in real time, except while held: a task started
 * then is not healthy until the clock moves again, so a health gate that watches it keeps polling.
 */
public final class HeldClock extends Clock {
  private Instant heldAt;
  private Duration offset = Duration.ZERO;

  private HeldClock(boolean held) {
    if (held) {
      heldAt = Instant.now();
    }
  }

  /** A clock that follows real time until {@link #hold}. */
  public static HeldClock flowing() {
    return new HeldClock(false);
  }

  /** A clock that stands still from now until {@link #let}. */
  public static HeldClock held() {
    return new HeldClock(true);
  }

  /** Stops the clock at the current instant. */
  public synchronized void hold() {
    if (heldAt == null) {
      heldAt = instant();
    }
  }

  /** Moves the clock {@code jump} past the held instant and lets it follow real time again. */
  public synchronized void let(Duration jump) {
    if (heldAt != null) {
      offset = Duration.between(Instant.now(), heldAt.plus(jump));
      heldAt = null;
    }
  }

  @Override
  public synchronized Instant instant() {
    return heldAt != null ? heldAt : Instant.now().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
