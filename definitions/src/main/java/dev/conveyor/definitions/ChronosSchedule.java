package dev.conveyor.definitions;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chronos schedules: ISO 8601 repeating intervals {@code R[n]/<start>/<period>}, e.g. {@code
 * R/2030-01-01T00:00:00Z/PT2H} (every two hours for ever from that instant), {@code R5//P1D} (five
 * times, daily, starting now).
 *
 * @param repetitions {@code n}, or empty for {@code R} alone (repeat for ever)
 * @param start the first run as written, or empty to start at once
 * @param period the ISO 8601 duration between runs, as written
 */
record ChronosSchedule(OptionalLong repetitions, Optional<String> start, String period) {

  static final String EXAMPLE = "R/2030-01-01T00:00:00Z/PT24H";

  private static final Pattern REPETITIONS = Pattern.compile("R(\\d{0,18})");

  /**
   * {@code PnYnMnWnDTnHnMnS} with at least one part; only seconds may have a fraction. Years and
   * months are allowed: Chronos reads periods with Joda-Time, which has them.
   */
  private static final Pattern PERIOD =
      Pattern.compile(
          "P(?:(\\d+)Y)?(?:(\\d+)M)?(?:(\\d+)W)?(?:(\\d+)D)?"
              + "(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+(?:[.,]\\d+)?)S)?)?");

  /**
   * Why {@code text} is not a schedule, or empty when it is one; the reason reads on from {@code
   * schedule "<text>"}.
   */
  static Optional<String> problem(String text) {
    return parse(text).problem();
  }

  /** The schedule in {@code text}, or what is wrong with it. */
  static Parsed parse(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length != 3) {
      return Parsed.invalid(
          " is not an ISO 8601 repeating interval R[n]/<start>/<period> (three parts separated by"
              + " '/'), e.g. "
              + EXAMPLE
              + "; leave <start> empty to start at once");
    }
    Matcher r = REPETITIONS.matcher(parts[0]);
    if (!r.matches()) {
      return Parsed.invalid(
          ": the repetitions '"
              + parts[0]
              + "' must be R (repeat for ever) or R<n> (n times), e.g. R or R5");
    }
    OptionalLong repetitions =
        r.group(1).isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(r.group(1)));
    Optional<String> start = parts[1].isEmpty() ? Optional.empty() : Optional.of(parts[1]);
    if (start.isPresent() && !isDateTime(start.get())) {
      return Parsed.invalid(
          ": the start '"
              + parts[1]
              + "' is not an ISO 8601 date and time such as 2030-01-01T00:00:00Z (leave it empty"
              + " to start at once)");
    }
    Optional<String> period = durationProblem(parts[2]);
    if (period.isPresent()) {
      return Parsed.invalid(": the period " + period.get());
    }
    return new Parsed(Optional.of(new ChronosSchedule(repetitions, start, parts[2])), null);
  }

  /** Why {@code text} is not an ISO 8601 duration longer than zero, or empty when it is one. */
  static Optional<String> durationProblem(String text) {
    Matcher m = PERIOD.matcher(text);
    boolean emptyTimePart = text.endsWith("T");
    if (!m.matches() || text.equals("P") || emptyTimePart) {
      return Optional.of(
          "'"
              + text
              + "' is not an ISO 8601 duration such as PT30M, PT2H, P1D or P1W (P, then years Y,"
              + " months M, weeks W, days D, and after T hours H, minutes M, seconds S)");
    }
    boolean zero = true;
    for (int group = 1; group <= m.groupCount(); group++) {
      String value = m.group(group);
      if (value != null && new BigDecimal(value.replace(',', '.')).signum() > 0) {
        zero = false;
      }
    }
    if (zero) {
      return Optional.of("'" + text + "' must be longer than zero");
    }
    return Optional.empty();
  }

  private static boolean isDateTime(String text) {
    try {
      OffsetDateTime.parse(text);
      return true;
    } catch (DateTimeParseException withoutOffset) {
      try {
        // Chronos applies scheduleTimeZone to a start without an offset.
        LocalDateTime.parse(text);
        return true;
      } catch (DateTimeParseException e) {
        return false;
      }
    }
  }

  /** A parsed schedule, or the reason there is none. */
  record Parsed(Optional<ChronosSchedule> schedule, String reason) {
    static Parsed invalid(String reason) {
      return new Parsed(Optional.empty(), reason);
    }

    Optional<String> problem() {
      return Optional.ofNullable(reason);
    }
  }
}
