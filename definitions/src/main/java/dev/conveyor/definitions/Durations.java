package dev.conveyor.definitions;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in conveyor.yaml: {@code 30s}, {@code 5m}, {@code 1h30m}. */
final class Durations {

  static final String EXAMPLES = "30s, 5m, 1h or 1h30m";

  private static final Pattern PATTERN =
      Pattern.compile("(?:(\\d{1,6})h)?(?:(\\d{1,6})m)?(?:(\\d{1,6})s)?");

  private Durations() {}

  /** The duration, or empty when {@code text} is not hours, minutes and seconds, or is zero. */
  static Optional<Duration> parse(String text) {
    Matcher m = PATTERN.matcher(text.strip());
    if (text.isBlank() || !m.matches()) {
      return Optional.empty();
    }
    Duration d = Duration.ofHours(group(m, 1)).plusMinutes(group(m, 2)).plusSeconds(group(m, 3));
    return d.isZero() ? Optional.empty() : Optional.of(d);
  }

  /** The shortest text {@link #parse} reads back to {@code d}, e.g. {@code 1h30m}. */
  static String format(Duration d) {
    StringBuilder out = new StringBuilder();
    long hours = d.toHours();
    int minutes = d.toMinutesPart();
    int seconds = d.toSecondsPart();
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (minutes > 0) {
      out.append(minutes).append('m');
    }
    if (seconds > 0 || out.length() == 0) {
      out.append(seconds).append('s');
    }
    return out.toString();
  }

  private static long group(Matcher m, int group) {
    String value = m.group(group);
    return value == null ? 0 : Long.parseLong(value);
  }
}
