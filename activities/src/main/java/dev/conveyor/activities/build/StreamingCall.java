package dev.conveyor.activities.build;

import com.github.dockerjava.api.async.ResultCallback;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A docker-java streaming call (build, push) awaited from the activity thread, which beats the
 * heartbeat while it waits so that long silent steps do not look like a dead worker. Unlike
 * docker-java's own adapters it does not log errors: the activity reports them.
 */
final class StreamingCall<T> implements ResultCallback<T> {
  private final Consumer<T> onItem;
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile Closeable stream;
  private volatile Throwable failure;

  StreamingCall(Consumer<T> onItem) {
    this.onItem = onItem;
  }

  @Override
  public void onStart(Closeable closeable) {
    this.stream = closeable;
  }

  @Override
  public void onNext(T item) {
    onItem.accept(item);
  }

  @Override
  public void onError(Throwable throwable) {
    failure = throwable;
    closeStream();
    finished.countDown();
  }

  @Override
  public void onComplete() {
    closeStream();
    finished.countDown();
  }

  @Override
  public void close() {
    closeStream();
    finished.countDown();
  }

  /**
   * Waits for the end of the stream, running {@code beat} every {@code beatEvery} (the heartbeat;
   * it throws when the activity was cancelled, which ends the wait and the stream).
   *
   * @return true when the stream ended, false when {@code timeout} passed first (the stream is
   *     closed then)
   */
  boolean await(Duration timeout, Duration beatEvery, Runnable beat) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    try {
      while (!finished.await(beatEvery.toMillis(), TimeUnit.MILLISECONDS)) {
        if (Instant.now().isAfter(deadline)) {
          return false;
        }
        beat.run();
      }
      return true;
    } finally {
      closeStream();
    }
  }

  /** The error that ended the stream (an HTTP error from the engine, a broken connection). */
  Throwable failure() {
    return failure;
  }

  private void closeStream() {
    Closeable current = stream;
    if (current != null) {
      try {
        current.close();
      } catch (IOException ignored) {
        // the stream is done either way
      }
    }
  }
}
