package dev.conveyor.activities.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileKvStoreTests {
  private static final String KEY = "conveyor/qa/billing/image";

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private FileKvStore store() {
    return new FileKvStore(dir, Duration.ofSeconds(30));
  }

  @Test
  void indexZeroCreatesOnlyWhenTheKeyIsAbsent() {
    FileKvStore store = store();
    assertThat(store.get(KEY)).isEmpty();

    assertThat(store.compareAndSet(KEY, "a", 0)).isTrue();
    assertThat(store.compareAndSet(KEY, "b", 0)).isFalse();

    assertThat(store.get(KEY)).map(KvStore.Entry::value).contains("a");
  }

  @Test
  void compareAndSetSucceedsOnlyAtTheCurrentModifyIndexAndIndexesGrow() {
    FileKvStore store = store();
    store.compareAndSet(KEY, "a", 0);
    long first = store.get(KEY).orElseThrow().modifyIndex();

    assertThat(store.compareAndSet(KEY, "b", first + 1)).isFalse();
    assertThat(store.compareAndSet(KEY, "b", first)).isTrue();
    long second = store.get(KEY).orElseThrow().modifyIndex();

    assertThat(second).isGreaterThan(first);
    assertThat(store.compareAndSet(KEY, "c", first)).isFalse();
    assertThat(store.get(KEY).orElseThrow().value()).isEqualTo("b");
  }

  @Test
  void indexesGrowAcrossKeysSoARecreatedKeyNeverReusesAnIndex() {
    FileKvStore store = store();
    store.compareAndSet("a", "1", 0);
    long a = store.get("a").orElseThrow().modifyIndex();
    store.compareAndSetWith("b", "1", 0, mapOf("a", null)); // deletes a
    assertThat(store.get("a")).isEmpty();

    store.compareAndSet("a", "2", 0);

    assertThat(store.get("a").orElseThrow().modifyIndex()).isGreaterThan(a);
    assertThat(store.compareAndSet("a", "3", a)).isFalse();
  }

  @Test
  void exactlyOneOfManyThreadsWinsEachIndex() throws Exception {
    FileKvStore store = store();
    store.compareAndSet(KEY, "start", 0);
    for (int round = 0; round < 20; round++) {
      long index = store.get(KEY).orElseThrow().modifyIndex();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> attempts = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        String value = "round" + round + "-writer" + t;
        // a fresh store per writer, as separate activity workers would have
        FileKvStore writer = store();
        attempts.add(
            pool.submit(
                () -> {
                  go.await();
                  return writer.compareAndSet(KEY, value, index);
                }));
      }
      go.countDown();
      int winners = 0;
      for (Future<Boolean> attempt : attempts) {
        winners += attempt.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(winners).as("winners at index %d", index).isEqualTo(1);
      assertThat(store.get(KEY).orElseThrow().value()).startsWith("round" + round + "-");
    }
  }

  @Test
  void concurrentIncrementsInOneJvmLoseNoUpdate() throws Exception {
    List<Callable<Void>> writers = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      FileKvStore store = store();
      writers.add(
          () -> {
            for (int i = 0; i < 25; i++) {
              increment(store, "counter");
            }
            return null;
          });
    }
    for (Future<Void> done : pool.invokeAll(writers)) {
      done.get();
    }

    assertThat(store().get("counter").orElseThrow().value()).isEqualTo("150");
  }

  @Test
  void writersInOtherProcessesAreSerialisedByTheFileLock() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> others = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      others.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  FileKvContender.class.getName(),
                  dir.toString(),
                  "counter",
                  "40")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("contender-" + p + ".log").toFile())
              .start());
    }
    FileKvStore store = store();
    for (int i = 0; i < 40; i++) {
      increment(store, "counter");
    }
    for (Process other : others) {
      assertThat(other.waitFor(60, TimeUnit.SECONDS)).as("contender finished").isTrue();
      assertThat(other.exitValue())
          .as("contender exit; log: %s", Files.readString(dir.resolve("contender-0.log")))
          .isZero();
    }

    assertThat(store.get("counter").orElseThrow().value()).isEqualTo("120");
  }

  @Test
  void readersNeverSeeAHalfWrittenValue() throws Exception {
    FileKvStore store = store();
    String big1 = "x".repeat(200_000);
    String big2 = "y".repeat(200_000);
    store.compareAndSet(KEY, big1, 0);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<String> torn = new AtomicReference<>();
    Future<?> reader =
        pool.submit(
            () -> {
              FileKvStore readerStore = store();
              while (!stop.get()) {
                String v = readerStore.get(KEY).orElseThrow().value();
                if (!v.equals(big1) && !v.equals(big2)) {
                  torn.set(v.length() + " chars");
                }
              }
            });
    for (int i = 0; i < 100; i++) {
      KvStore.Entry now = store.get(KEY).orElseThrow();
      assertThat(store.compareAndSet(KEY, i % 2 == 0 ? big2 : big1, now.modifyIndex())).isTrue();
    }
    stop.set(true);
    reader.get(30, TimeUnit.SECONDS);

    assertThat(torn.get()).as("torn read").isNull();
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.map(Path::getFileName).map(Path::toString))
          .as("no temp files left behind")
          .noneMatch(name -> name.endsWith(".tmp"));
    }
  }

  @Test
  void guardedWriteChangesNothingWhenTheGuardMoved() {
    FileKvStore store = store();
    store.compareAndSet(KEY, "a", 0);
    long stale = store.get(KEY).orElseThrow().modifyIndex();
    store.compareAndSet(KEY, "b", stale);

    boolean applied =
        store.compareAndSetWith(KEY, "c", stale, mapOf("conveyor/qa/billing/previous", "a"));

    assertThat(applied).isFalse();
    assertThat(store.get("conveyor/qa/billing/previous")).isEmpty();
    assertThat(store.get(KEY).orElseThrow().value()).isEqualTo("b");
  }

  @Test
  void guardedWriteSharesOneIndexAndDeletesNullValues() {
    FileKvStore store = store();
    store.compareAndSet("old", "x", 0);

    assertThat(store.compareAndSetWith(KEY, "img", 0, mapOf("other", "o", "old", null))).isTrue();

    assertThat(store.get("other").orElseThrow().modifyIndex())
        .isEqualTo(store.get(KEY).orElseThrow().modifyIndex());
    assertThat(store.get("old")).isEmpty();
  }

  @Test
  void keysWithDotsAndNestingStayInsideTheDirectoryAndDoNotCollide() throws Exception {
    FileKvStore store = store();
    store.compareAndSet("a", "leaf", 0);
    store.compareAndSet("a/b", "nested", 0);
    store.compareAndSet("../escape", "dots", 0);
    store.compareAndSet("x.kv/y", "suffix", 0);
    store.compareAndSet("x", "plain", 0);

    assertThat(store.get("a")).map(KvStore.Entry::value).contains("leaf");
    assertThat(store.get("a/b")).map(KvStore.Entry::value).contains("nested");
    assertThat(store.get("../escape")).map(KvStore.Entry::value).contains("dots");
    assertThat(store.get("x.kv/y")).map(KvStore.Entry::value).contains("suffix");
    assertThat(store.get("x")).map(KvStore.Entry::value).contains("plain");
    assertThat(Files.exists(dir.getParent().resolve("escape.kv"))).isFalse();
    assertThat(store.fileFor("../escape").normalize()).startsWith(dir.toRealPath());
  }

  @Test
  void keysWithEmptySegmentsAreRefused() {
    FileKvStore store = store();
    assertThatThrownBy(() -> store.compareAndSet("a//b", "v", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty segment");
    assertThatThrownBy(() -> store.get("/a")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLockHeldElsewhereTimesOutAsContention() throws Exception {
    FileKvStore store = new FileKvStore(dir, Duration.ofMillis(200));
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<?> holder =
        pool.submit(
            () -> {
              // holds the store lock from inside a write, like a slow writer
              store.compareAndSetWith(
                  "k",
                  "v",
                  0,
                  new java.util.AbstractMap<String, String>() {
                    @Override
                    public java.util.Set<Map.Entry<String, String>> entrySet() {
                      holding.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return java.util.Set.of();
                    }

                    @Override
                    public java.util.Set<String> keySet() {
                      return java.util.Set.of();
                    }
                  });
              return null;
            });
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      assertThatThrownBy(() -> store.compareAndSet("other", "v", 0))
          .isInstanceOf(KvContentionException.class)
          .hasMessageContaining("stayed taken");
    } finally {
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
    }
    assertThat(store.get("k")).map(KvStore.Entry::value).contains("v");
  }

  /** Adds one to a decimal counter with a compare-and-set loop. */
  static void increment(KvStore store, String key) {
    while (true) {
      Optional<KvStore.Entry> current = store.get(key);
      long next = current.map(e -> Long.parseLong(e.value())).orElse(0L) + 1;
      if (store.compareAndSet(
          key, Long.toString(next), current.map(KvStore.Entry::modifyIndex).orElse(0L))) {
        return;
      }
    }
  }

  private static Map<String, String> mapOf(String... keysAndValues) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
