package dev.conveyor.activities.kv;

/**
 * Transient: other writers kept winning (compare-and-set lost every time, or the file store's lock
 * stayed taken). Retrying later, from a fresh read, is the cure, so it is left for Temporal.
 */
final class KvContentionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  KvContentionException(String message) {
    super(message);
  }
}
