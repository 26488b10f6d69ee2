package dev.conveyor.definitions;

import static dev.conveyor.definitions.Fixtures.error;
import static dev.conveyor.definitions.Fixtures.load;
import static dev.conveyor.definitions.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Problems of the {@code jobs} section and of {@code chronos} endpoints in conveyor.yaml. */
class JobValidationTests {

  private static final String FILE = "conveyor.yaml";

  @Test
  void jobNamesFollowTheNameRuleAndCannotBeServiceNames() {
    assertThat(load("job-names").problems())
        .containsExactly(
            error(
                FILE,
                9,
                3,
                "job name 'Report_v2' must match [a-z0-9][a-z0-9-]{0,62} (lowercase letters,"
                    + " digits and dashes, starting with a letter or digit, at most 63"
                    + " characters)"),
            error(
                FILE,
                12,
                3,
                "job 'accounts' has the name of a service, and both would be built into the image"
                    + " repository <registry>/accounts; rename the job or the service"));
  }

  @Test
  void dependsOnNamesServicesWithADidYouMeanAndRefusesJobs() {
    assertThat(load("job-dependencies").problems())
        .containsExactly(
            error(
                FILE,
                11,
                17,
                "jobs.report.dependsOn names unknown service 'acounts' (did you mean"
                    + " 'accounts'?)"),
            error(
                FILE,
                11,
                26,
                "jobs.report.dependsOn names job 'cleanup', but jobs depend on services only (to"
                    + " run after another job, list it in the job template's \"parents\")"));
  }

  @Test
  void reportsEveryProblemOfTheJobFieldsAtOnce() {
    LoadResult result = load("job-fields");

    assertThat(result.problems())
        .containsExactly(
            error(
                FILE,
                9,
                3,
                "jobs.report.repo is missing (the source repository: a path relative to the"
                    + " definitions repository, or a URL)"),
            error(
                FILE,
                10,
                17,
                "jobs.report.dockerfile must be a relative path inside the source repository, not"
                    + " \"../Dockerfile\""),
            error(FILE, 11, 5, "unknown key 'smokerun' in jobs.report (did you mean 'smokeRun'?)"),
            error(FILE, 12, 15, "jobs.report.smokeRun must be true or false, not \"yes\""),
            error(
                FILE,
                13,
                19,
                "jobs.report.smokeTimeout needs a unit: write 30s for seconds or 30m for minutes"
                    + " (30s, 5m, 1h or 1h30m)"),
            error(
                FILE,
                16,
                10,
                "jobs.cleanup.job must be a relative path inside the definitions repository, not"
                    + " \"/etc/chronos/cleanup.json\""),
            error(
                FILE,
                17,
                16,
                "jobs.cleanup.dependsOn must be a list of service names, e.g. [accounts], not"
                    + " \"accounts\""));
    assertThat(result.definitions()).isEmpty();
  }

  @Test
  void warnsThatASmokeTimeoutWithoutASmokeRunIsIgnored() {
    LoadResult result = load("job-smoke-timeout-without-run");

    assertThat(result.problems())
        .containsExactly(
            warning(
                FILE,
                12,
                5,
                "jobs.report.smokeTimeout is ignored without smokeRun: true (no run is triggered"
                    + " to time)"));
    assertThat(result.ok()).isTrue();
  }

  @Test
  void reportsAMissingJobTemplateAtItsPath() {
    assertThat(load("job-template-missing").problems())
        .containsExactly(
            error(
                FILE,
                14,
                10,
                "job template batch/cleanup.json of job 'cleanup' does not exist (create it, or"
                    + " set jobs.cleanup.job to the template's path)"));
  }

  @Test
  void twoJobsCannotRegisterTheSameChronosJob() {
    assertThat(load("job-duplicate-chronos-name").problems())
        .containsExactly(
            error(
                FILE,
                14,
                10,
                "job 'report-again' registers Chronos job report, and so does job 'report'; give"
                    + " each job template its own name"));
  }

  @Test
  void checksTheChronosEndpointOfEachEnvironment() {
    assertThat(load("chronos-endpoint-problems").problems())
        .containsExactly(
            error(
                FILE,
                5,
                58,
                "environments.qa.chronos.apiPrefix must be one of /v1/scheduler, /scheduler, not"
                    + " \"/v1/schedular\" (did you mean '/v1/scheduler'?)"),
            error(
                FILE,
                8,
                5,
                "environments.prod.chronos.url is missing (e.g. url: \"http://chronos.prod:4400\")"),
            error(
                FILE,
                8,
                39,
                "unknown key 'leader' in environments.prod.chronos (allowed: url, apiPrefix)"),
            error(
                FILE,
                11,
                14,
                "environments.stage.chronos must be a mapping, not \"http://chronos.stage:4400\""));
  }
}
