package dev.conveyor.definitions;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Definitions#load} found.
 *
 * @param definitions present only when there is no {@link Problem.Severity#ERROR} problem
 * @param problems every error and warning, sorted by file, line and column
 */
public record LoadResult(Optional<Definitions> definitions, List<Problem> problems) {

  public LoadResult {
    Objects.requireNonNull(definitions, "definitions");
    problems = problems.stream().sorted(Problem.BY_LOCATION).toList();
    if (definitions.isPresent() && problems.stream().anyMatch(Problem::isError)) {
      throw new IllegalArgumentException("definitions cannot be present when there are errors");
    }
  }

  /** True when there is no error (warnings allowed). */
  public boolean ok() {
    return problems.stream().noneMatch(Problem::isError);
  }

  public List<Problem> errors() {
    return problems.stream().filter(Problem::isError).toList();
  }

  public List<Problem> warnings() {
    return problems.stream().filter(p -> !p.isError()).toList();
  }
}
