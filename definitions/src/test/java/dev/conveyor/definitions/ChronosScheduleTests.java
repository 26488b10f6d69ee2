package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Chronos's ISO 8601 repeating intervals, parsed part by part. */
class ChronosScheduleTests {

  @Test
  void readsRepetitionsStartAndPeriod() {
    assertThat(ChronosSchedule.parse("R5/2030-01-01T02:00:00.000Z/P1DT12H").schedule())
        .contains(
            new ChronosSchedule(
                OptionalLong.of(5), Optional.of("2030-01-01T02:00:00.000Z"), "P1DT12H"));
  }

  @Test
  void anEmptyStartMeansAtOnceAndABareRMeansForEver() {
    assertThat(ChronosSchedule.parse("R//PT2H").schedule())
        .contains(new ChronosSchedule(OptionalLong.empty(), Optional.empty(), "PT2H"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "R/2030-01-01T00:00:00Z/PT2H",
        "R0/2030-01-01T00:00:00Z/P1W",
        "R/2030-01-01T00:00:00+02:00/P1M",
        "R/2030-01-01T00:00:00/P1Y2M3DT4H5M6S",
        "R10//PT0.5S"
      })
  void acceptsWhatChronosAccepts(String schedule) {
    assertThat(ChronosSchedule.problem(schedule)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "PT2H|\" is not an ISO 8601 repeating interval R[n]/<start>/<period> (three parts"
            + " separated by '/'), e.g. R/2030-01-01T00:00:00Z/PT24H; leave <start> empty to start"
            + " at once\"",
        "R/2030-01-01T00:00:00Z/PT2H/x|\" is not an ISO 8601 repeating interval\"",
        "X/2030-01-01T00:00:00Z/PT2H|: the repetitions 'X' must be R (repeat for ever) or R<n> (n"
            + " times), e.g. R or R5",
        "R-1//PT2H|: the repetitions 'R-1'",
        "R/tomorrow/PT2H|: the start 'tomorrow' is not an ISO 8601 date and time",
        "R/2030-01-01/PT2H|: the start '2030-01-01' is not an ISO 8601 date and time",
        "R//2h|: the period '2h' is not an ISO 8601 duration such as PT30M",
        "R//P|: the period 'P' is not an ISO 8601 duration",
        "R//PT|: the period 'PT' is not an ISO 8601 duration",
        "R//P2H|: the period 'P2H' is not an ISO 8601 duration",
        "R//PT0S|: the period 'PT0S' must be longer than zero",
        "R//|: the period '' is not an ISO 8601 duration"
      })
  void namesThePartThatIsWrong(String schedule, String problem) {
    assertThat(ChronosSchedule.problem(schedule))
        .hasValueSatisfying(p -> assertThat(p).startsWith(problem));
  }
}
