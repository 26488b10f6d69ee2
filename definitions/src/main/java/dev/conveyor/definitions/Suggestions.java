package dev.conveyor.definitions;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" hints for misspelt keys and names. */
final class Suggestions {

  /** Typos further than this (in edits) from every candidate get no suggestion. */
  private static final int MAX_DISTANCE = 2;

  /** A shorter input must have at least this many characters to be taken as a prefix. */
  private static final int MIN_PREFIX = 3;

  private Suggestions() {}

  /**
   * The candidate closest to {@code input}: case-insensitive edit distance at most {@value
   * #MAX_DISTANCE}, or one being a prefix of the other. Ties go to the candidate listed first.
   */
  static Optional<String> closest(String input, Collection<String> candidates) {
    String lower = input.toLowerCase(Locale.ROOT);
    String best = null;
    int bestScore = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      String other = candidate.toLowerCase(Locale.ROOT);
      int score = distance(lower, other);
      if (score > MAX_DISTANCE && isPrefix(lower, other)) {
        score = MAX_DISTANCE + 1;
      } else if (score > MAX_DISTANCE) {
        continue;
      }
      if (score < bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return Optional.ofNullable(best);
  }

  /** {@code " (did you mean 'x'?)"}, or the empty string when nothing is close. */
  static String didYouMean(String input, Collection<String> candidates) {
    return closest(input, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
  }

  private static boolean isPrefix(String a, String b) {
    String shorter = a.length() <= b.length() ? a : b;
    String longer = a.length() <= b.length() ? b : a;
    return shorter.length() >= MIN_PREFIX && longer.startsWith(shorter);
  }

  /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
