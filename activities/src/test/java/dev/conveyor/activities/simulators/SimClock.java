package dev.conveyor.activities.simulators;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when the test says so, for simulators whose state depends on time. */
public final class SimClock extends Clock {
  private final AtomicReference<Instant> now;

  public SimClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  public SimClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  public void advance(Duration by) {
    now.updateAndGet(t -> t.plus(by));
  }

  @Override
  public Instant instant() {
    return now.get();
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
