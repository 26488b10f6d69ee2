package dev.conveyor.definitions;

import static dev.conveyor.definitions.Fixtures.error;
import static dev.conveyor.definitions.Fixtures.load;
import static dev.conveyor.definitions.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** One test per kind of problem in a Chronos job template, each on its own fixture. */
class JobTemplateValidationTests {

  private static final String FILE = "chronos/report.json";
  private static final String NAME_RULE =
      " is not a valid Chronos job name (letters, digits, '_', '.' and '-' only)";

  @Test
  void rejectsATemplateThatIsNotAnObject() {
    assertThat(load("job-template-not-an-object").problems())
        .containsExactly(
            error(FILE, 1, 1, "a Chronos job template must be a JSON object, not an array"));
  }

  @Test
  void rejectsANameOutsideChronossRule() {
    assertThat(load("job-template-name-problems").problems())
        .containsExactly(error(FILE, 2, 11, "name \"nightly report\"" + NAME_RULE));
  }

  @Test
  void reportsAMissingName() {
    assertThat(load("job-template-missing-name").problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "name is missing (Chronos knows the job by it, e.g. \"name\":"
                    + " \"nightly-report\")"));
  }

  @Test
  void refusesBothAScheduleAndParentsAtTheParentsKey() {
    assertThat(load("job-template-schedule-and-parents").problems())
        .containsExactly(
            error(
                FILE,
                4,
                3,
                "schedule and parents cannot both be set (a job runs on its schedule, or after"
                    + " its parents; keep one)"));
  }

  @Test
  void needsAScheduleOrParents() {
    assertThat(load("job-template-no-schedule").problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "schedule or parents is missing (a job runs on a schedule such as"
                    + " \"R/2030-01-01T00:00:00Z/PT24H\", or after its parents, e.g. \"parents\":"
                    + " [\"extract\"])"));
  }

  @Test
  void parsesTheScheduleAndReportsTheBadPartAtTheValue() {
    assertThat(load("job-template-bad-schedule").problems())
        .containsExactly(
            error(
                FILE,
                3,
                15,
                "schedule \"R/2030-02-30T02:00:00Z/P1D\": the start '2030-02-30T02:00:00Z' is not"
                    + " an ISO 8601 date and time such as 2030-01-01T00:00:00Z (leave it empty to"
                    + " start at once)"));
  }

  @Test
  void checksEveryParentName() {
    assertThat(load("job-template-bad-parents").problems())
        .containsExactly(
            error(FILE, 3, 26, "parents[1] \"load data\"" + NAME_RULE),
            error(FILE, 3, 39, "parents[2] must be a string, not 3"),
            error(FILE, 3, 42, "parents[3] must not be empty"));
  }

  @Test
  void refusesEmptyParents() {
    assertThat(load("job-template-empty-parents").problems())
        .containsExactly(
            error(
                FILE,
                3,
                14,
                "parents must name at least one job (or use a schedule instead of parents)"));
  }

  @Test
  void reportsAMissingContainerAsAMissingImage() {
    assertThat(load("job-template-container-missing").problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "container.image is missing (Conveyor writes the image here; add \"container\":"
                    + " {\"type\": \"DOCKER\", \"image\": \"\"})"));
  }

  @Test
  void reportsAMissingImageAtTheContainerKey() {
    assertThat(load("job-template-image-missing").problems())
        .containsExactly(
            error(
                FILE,
                4,
                3,
                "container.image is missing (Conveyor writes the image here; add \"image\":"
                    + " \"\")"));
  }

  @Test
  void warnsThatAWrittenImageIsReplaced() {
    LoadResult result = load("job-template-image-set");

    assertThat(result.problems())
        .containsExactly(
            warning(
                FILE,
                4,
                45,
                "container.image is \"report:latest\", but Conveyor replaces it with the image it"
                    + " builds; write \"\""));
    assertThat(result.ok()).isTrue();
  }

  @Test
  void checksTheTypesOfTheDocumentedFieldsAndWarnsAboutUnknownOnes() {
    assertThat(load("job-template-field-types").problems())
        .containsExactly(
            error(FILE, 4, 12, "shell must be true or false, not \"yes\""),
            error(FILE, 5, 14, "retries must be a non-negative integer, not -1"),
            error(FILE, 6, 11, "cpus must be a number of at least 0, not \"0.5\""),
            error(
                FILE,
                7,
                14,
                "epsilon '30m' is not an ISO 8601 duration such as PT30M, PT2H, P1D or P1W (P,"
                    + " then years Y, months M, weeks W, days D, and after T hours H, minutes M,"
                    + " seconds S)"),
            error(FILE, 8, 27, "arguments[1] must be a string, not 1"),
            error(
                FILE,
                9,
                29,
                "environmentVariables[0].value is missing (each variable needs a name and a"
                    + " value)"),
            error(FILE, 9, 59, "environmentVariables[1].name must not be empty"),
            warning(FILE, 10, 3, "unknown key 'ownr' in the job template (did you mean 'owner'?)"),
            warning(FILE, 11, 49, "unknown key 'volume' in container (did you mean 'volumes'?)"));
  }
}
