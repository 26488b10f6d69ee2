package dev.conveyor.activities.kv;

import java.util.Map;
import java.util.Optional;

/**
 * A key/value store with Consul's compare-and-set semantics: every write gives the key a new,
 * larger modify index, and a conditional write names the index it expects. Two implementations:
 * {@link ConsulKvStore} (the environment's Consul) and {@link FileKvStore} (the worker's data dir,
 * the embedded default).
 */
interface KvStore {

  /** The key's current value and modify index, or empty when the key does not exist. */
  Optional<Entry> get(String key);

  /**
   * Sets {@code key} to {@code value} only if its modify index is still {@code expectedIndex}
   * ({@code 0}: only if the key does not exist). A lost race is {@code false}, not an error.
   */
  default boolean compareAndSet(String key, String value, long expectedIndex) {
    return compareAndSetWith(key, value, expectedIndex, Map.of());
  }

  /**
   * Like {@link #compareAndSet}, and when it applies also writes every entry of {@code alongside}
   * (a {@code null} value deletes that key). {@code key} is the guard: nothing is written unless
   * its index still matches, and implementations make sure that a crash part-way leaves {@code key}
   * unchanged (Consul applies everything in one transaction; the file store writes the guard last),
   * so a caller that retries from a fresh read repeats the whole write.
   */
  boolean compareAndSetWith(
      String key, String value, long expectedIndex, Map<String, String> alongside);

  /** One key as read: {@code modifyIndex} is what a later compare-and-set must name. */
  record Entry(String key, String value, long modifyIndex) {}
}
