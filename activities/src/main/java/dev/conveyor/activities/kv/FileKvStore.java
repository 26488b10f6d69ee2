package dev.conveyor.activities.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded KV store: one file per key under a directory, with Consul's compare-and-set
 * semantics.
 *
 * <ul>
 *   <li>Key {@code a/b/c} lives in {@code a/b/c.kv}, a small JSON document holding the value with
 *       its create and modify index, so value and index always change together. Segment characters
 *       other than {@code [A-Za-z0-9_-]} are percent-encoded (dots too, so no segment is ever
 *       {@code .}, {@code ..} or ends in {@code .kv}).
 *   <li>Every file is written to a temp file in the same directory, forced to disk, then renamed
 *       over the old one with {@code ATOMIC_MOVE}: a reader (or a crash) sees the old document or
 *       the new one, never half of one. Reads take no lock.
 *   <li>Writes hold the store's lock: a {@link ReentrantLock} shared by every instance on the same
 *       directory in this JVM (a JVM cannot hold two {@link FileLock}s on one file), then an
 *       exclusive {@link FileLock} on {@code .lock}, which serialises writers in other processes.
 *       Under the lock the expected index is checked and a global counter in {@code .index} is
 *       bumped, so indexes only grow, across keys, like Consul's.
 *   <li>A guarded multi-key write writes the other keys first and the guard key last, so a crash
 *       part-way leaves the guard at its old index and a retry from a fresh read redoes it all.
 * </ul>
 */
final class FileKvStore implements KvStore {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ConcurrentMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final String SUFFIX = ".kv";
  private static final long LOCK_POLL_MILLIS = 5;

  private final Path root;
  private final Duration lockTimeout;
  private final ReentrantLock jvmLock;

  FileKvStore(Path root, Duration lockTimeout) {
    try {
      Files.createDirectories(root);
      this.root = root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the KV directory " + root, e);
    }
    this.lockTimeout = lockTimeout;
    this.jvmLock = JVM_LOCKS.computeIfAbsent(this.root, p -> new ReentrantLock());
  }

  @Override
  public Optional<Entry> get(String key) {
    return read(key).map(doc -> new Entry(key, doc.value(), doc.modifyIndex()));
  }

  @Override
  public boolean compareAndSetWith(
      String key, String value, long expectedIndex, Map<String, String> alongside) {
    Path guard = fileFor(key);
    alongside.keySet().forEach(this::fileFor); // reject bad keys before writing anything
    return locked(
        () -> {
          Optional<Document> current = read(key);
          boolean matches =
              expectedIndex == 0
                  ? current.isEmpty()
                  : current.isPresent() && current.get().modifyIndex() == expectedIndex;
          if (!matches) {
            return false;
          }
          long index = nextIndex();
          for (Map.Entry<String, String> other : alongside.entrySet()) {
            if (other.getValue() == null) {
              Files.deleteIfExists(fileFor(other.getKey()));
            } else {
              long created = read(other.getKey()).map(Document::createIndex).orElse(index);
              write(fileFor(other.getKey()), other.getKey(), other.getValue(), created, index);
            }
          }
          long created = current.map(Document::createIndex).orElse(index);
          write(guard, key, value, created, index);
          return true;
        });
  }

  private Optional<Document> read(String key) {
    Path file = fileFor(key);
    try {
      JsonNode doc = MAPPER.readTree(Files.readAllBytes(file));
      return Optional.of(
          new Document(
              doc.path("value").asText(""),
              doc.path("createIndex").asLong(),
              doc.path("modifyIndex").asLong()));
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read KV key " + key + " from " + file, e);
    }
  }

  private void write(Path file, String key, String value, long createIndex, long modifyIndex)
      throws IOException {
    ObjectNode doc = MAPPER.createObjectNode();
    doc.put("key", key).put("value", value);
    doc.put("createIndex", createIndex).put("modifyIndex", modifyIndex);
    writeAtomically(file, MAPPER.writeValueAsBytes(doc));
  }

  private long nextIndex() throws IOException {
    Path counter = root.resolve(".index");
    long last = 0;
    try {
      last = Long.parseLong(Files.readString(counter, StandardCharsets.US_ASCII).trim());
    } catch (NoSuchFileException first) {
      // a new store starts at index 1
    }
    long next = last + 1;
    writeAtomically(counter, Long.toString(next).getBytes(StandardCharsets.US_ASCII));
    return next;
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, ".", ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private <T> T locked(IoAction<T> action) {
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    try {
      if (!jvmLock.tryLock(lockTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw busy();
      }
      try (FileChannel channel =
          FileChannel.open(
              root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock;
        while ((lock = channel.tryLock()) == null) {
          if (System.nanoTime() > deadline) {
            throw busy();
          }
          Thread.sleep(LOCK_POLL_MILLIS);
        }
        try {
          return action.run();
        } finally {
          lock.release();
        }
      } finally {
        jvmLock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvContentionException("interrupted while waiting for the KV lock in " + root);
    } catch (IOException e) {
      throw new UncheckedIOException("KV write in " + root + " failed", e);
    }
  }

  private KvContentionException busy() {
    return new KvContentionException(
        "the KV lock in " + root + " stayed taken for " + lockTimeout + " (another writer)");
  }

  /** The key's file; throws {@link IllegalArgumentException} for keys with empty segments. */
  Path fileFor(String key) {
    String[] segments = key.split("/", -1);
    Path path = root;
    for (int i = 0; i < segments.length; i++) {
      if (segments[i].isEmpty()) {
        throw new IllegalArgumentException("KV key '" + key + "' has an empty segment");
      }
      String name = encode(segments[i]);
      path = path.resolve(i == segments.length - 1 ? name + SUFFIX : name);
    }
    return path;
  }

  private static String encode(String segment) {
    StringBuilder out = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '-') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private record Document(String value, long createIndex, long modifyIndex) {}

  @FunctionalInterface
  private interface IoAction<T> {
    T run() throws IOException;
  }
}
