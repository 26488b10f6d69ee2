package dev.conveyor.activities.gitops;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive use of one clone: a lock per clone inside this JVM, then an OS file lock against other
 * worker processes on the same data directory. The JVM lock comes first because a JVM may hold only
 * one file lock per file (a second attempt throws instead of waiting).
 */
final class CloneLock implements AutoCloseable {
  private static final ConcurrentMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final long POLL_MILLIS = 50;

  private final ReentrantLock jvmLock;
  private final FileChannel channel;
  private final FileLock fileLock;

  private CloneLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
    this.jvmLock = jvmLock;
    this.channel = channel;
    this.fileLock = fileLock;
  }

  /**
   * Waits up to {@code timeout} for both locks.
   *
   * @throws ConfigRepoException when another activity or process holds the clone for longer
   */
  static CloneLock acquire(Path lockFile, Duration timeout, String what) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ReentrantLock jvmLock =
        JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new ReentrantLock());
    try {
      if (!jvmLock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw busy(what, timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConfigRepoException("interrupted while waiting for the clone of " + what, e);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock fileLock;
      while ((fileLock = channel.tryLock()) == null) {
        if (System.nanoTime() > deadline) {
          throw busy(what, timeout);
        }
        Thread.sleep(POLL_MILLIS);
      }
      return new CloneLock(jvmLock, channel, fileLock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(channel);
      jvmLock.unlock();
      throw new ConfigRepoException("interrupted while waiting for the clone of " + what, e);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      jvmLock.unlock();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      fileLock.release();
      channel.close();
    } finally {
      jvmLock.unlock();
    }
  }

  private static ConfigRepoException busy(String what, Duration timeout) {
    return new ConfigRepoException(
        "the worker's clone of "
            + what
            + " stayed locked by another activity or worker process for "
            + timeout.toSeconds()
            + "s");
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Closing releases nothing we hold; the original failure is what matters.
      }
    }
  }
}
