package dev.conveyor.activities.target;

/**
 * What the health gate waits on between two looks at the target. The default sleeps the poll
 * interval; a target that can push changes (Marathon's event stream) wakes the gate early, so it
 * looks again as soon as something happened instead of at the next poll. A wake-up is only a hint:
 * the gate always confirms with {@link DeployTarget#check}. Every wait is bounded by the caller
 * (never longer than the time left before the gate's deadline).
 */
public interface HealthWatch extends AutoCloseable {
  /** Plain polling: sleeps. */
  HealthWatch POLLING =
      new HealthWatch() {
        @Override
        public void await(long millis) throws InterruptedException {
          Thread.sleep(Math.max(1, millis));
        }

        @Override
        public void close() {}
      };

  /**
   * How long to wait before the next look when nothing wakes the gate. Polling waits the poll
   * interval; a connected event stream may wait longer, since a change wakes it anyway.
   */
  default long nextLookMillis(long pollMillis) {
    return pollMillis;
  }

  /**
   * Returns after at most {@code millis}, earlier when the target reported a change since the
   * previous call (a change reported between two calls is not lost).
   */
  void await(long millis) throws InterruptedException;

  /** Stops watching; never throws. */
  @Override
  void close();
}
