package dev.conveyor.definitions;

import java.util.Comparator;
import java.util.Objects;

/**
 * One thing wrong with a definitions repository, located in a file.
 *
 * @param file path relative to the definitions directory, with {@code /} separators (e.g. {@code
 *     conveyor.yaml}, {@code marathon/accounts.json})
 * @param line 1-based line
 * @param column 1-based column
 * @param severity {@link Severity#ERROR} or {@link Severity#WARNING}
 * @param message what is wrong and what to do, without the location
 */
public record Problem(String file, int line, int column, Severity severity, String message) {

  /** How bad a problem is: errors stop the definitions from loading, warnings do not. */
  public enum Severity {
    ERROR,
    WARNING
  }

  /** Orders problems by file, line, column, then errors before warnings, then message. */
  public static final Comparator<Problem> BY_LOCATION =
      Comparator.comparing(Problem::file)
          .thenComparingInt(Problem::line)
          .thenComparingInt(Problem::column)
          .thenComparing(Problem::severity)
          .thenComparing(Problem::message);

  public Problem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
  }

  /**
   * The line a compiler would print: {@code FILE:LINE:COLUMN: message}, or {@code FILE:LINE:COLUMN:
   * warning: message} for warnings.
   */
  public String format() {
    String prefix = file + ":" + line + ":" + column + ": ";
    return severity == Severity.WARNING ? prefix + "warning: " + message : prefix + message;
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }
}
