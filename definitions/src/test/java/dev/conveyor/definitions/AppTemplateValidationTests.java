package dev.conveyor.definitions;

import static dev.conveyor.definitions.Fixtures.error;
import static dev.conveyor.definitions.Fixtures.load;
import static dev.conveyor.definitions.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** One test per kind of problem in a Marathon app template, each on its own fixture. */
class AppTemplateValidationTests {

  private static final String FILE = "marathon/accounts.json";

  @Test
  void reportsJsonSyntaxErrorAtTheParsersLocation() {
    assertThat(load("template-not-json").problems())
        .containsExactly(
            error(
                FILE,
                5,
                1,
                "JSON syntax error: Unexpected character ('}' (code 125)): was expecting"
                    + " double-quote to start field name"));
  }

  @Test
  void rejectsATemplateThatIsNotAnObject() {
    assertThat(load("template-not-an-object").problems())
        .containsExactly(error(FILE, 1, 1, "an app template must be a JSON object, not an array"));
  }

  @Test
  void rejectsAnIdOutsideMarathonsPathFormat() {
    assertThat(load("template-bad-id").problems())
        .containsExactly(
            error(
                FILE,
                2,
                9,
                "id \"/Payments/accounts_v2\" is not a valid Marathon app id (names of lowercase"
                    + " letters, digits, dashes and dots, each starting and ending with a letter or"
                    + " digit, separated by '/', e.g. \"/payments/billing\")"));
  }

  @Test
  void reportsAMissingId() {
    assertThat(load("template-missing-id").problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "id is missing (Marathon needs the app's path, e.g. \"id\": \"/billing\")"));
  }

  @Test
  void rejectsNegativeInstances() {
    assertThat(load("template-negative-instances").problems())
        .containsExactly(error(FILE, 3, 16, "instances must be a non-negative integer, not -1"));
  }

  @Test
  void rejectsInstancesThatAreNotAnInteger() {
    assertThat(load("template-instances-not-integer").problems())
        .containsExactly(
            error(FILE, 3, 16, "instances must be a non-negative integer, not \"two\""));
  }

  @Test
  void rejectsResourcesThatAreNotNonNegativeNumbers() {
    assertThat(load("template-bad-resources").problems())
        .containsExactly(
            error(FILE, 3, 11, "cpus must be a number of at least 0, not \"0.5\""),
            error(FILE, 4, 10, "mem must be a number of at least 0, not -128"),
            error(FILE, 5, 11, "disk must be a number of at least 0, not true"));
  }

  @Test
  void reportsAMissingImageAtTheDockerKey() {
    assertThat(load("template-image-missing").problems())
        .containsExactly(
            error(
                FILE,
                6,
                5,
                "container.docker.image is missing (Conveyor writes the image here; add \"image\":"
                    + " \"\")"));
  }

  @Test
  void reportsAMissingContainerAsAMissingImage() {
    assertThat(load("template-container-missing").problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "container.docker.image is missing (Conveyor writes the image here; add"
                    + " \"container\": {\"type\": \"DOCKER\", \"docker\": {\"image\": \"\"}})"));
  }

  @Test
  void warnsThatAWrittenImageIsReplaced() {
    LoadResult result = load("template-image-set");

    assertThat(result.problems())
        .containsExactly(
            warning(
                FILE,
                3,
                39,
                "container.docker.image is \"accounts:latest\", but Conveyor replaces it with the"
                    + " image it builds; write \"\""));
    assertThat(result.ok()).isTrue();
  }

  @Test
  void checksEveryHealthCheckField() {
    assertThat(load("template-health-checks").problems())
        .containsExactly(
            error(
                FILE,
                6,
                19,
                "healthChecks[0].protocol must be one of HTTP, HTTPS, TCP, COMMAND, MESOS_HTTP,"
                    + " MESOS_HTTPS, MESOS_TCP, not \"HTTP2\" (did you mean 'HTTP'?)"),
            error(FILE, 7, 15, "healthChecks[0].path must be a string, not 42"),
            error(
                FILE, 8, 20, "healthChecks[0].portIndex must be a non-negative integer, not \"0\""),
            error(
                FILE,
                9,
                29,
                "healthChecks[0].gracePeriodSeconds must be a non-negative integer, not -1"),
            error(
                FILE,
                11,
                25,
                "healthChecks[0].timeoutSeconds must be a non-negative integer, not 2.5"),
            error(
                FILE,
                13,
                7,
                "unknown key 'interval' in healthChecks[0] (did you mean 'intervalSeconds'?)"));
  }

  @Test
  void reportsUnknownKeysWithDidYouMean() {
    assertThat(load("template-unknown-keys").problems())
        .containsExactly(
            error(
                FILE, 3, 3, "unknown key 'instanses' at the top level (did you mean 'instances'?)"),
            error(
                FILE, 4, 43, "unknown key 'netwrok' in container.docker (did you mean 'network'?)"),
            error(
                FILE,
                5,
                3,
                "unknown key 'replicas' at the top level (not a field of Marathon's app"
                    + " definition)"));
  }

  @Test
  void rejectsCmdTogetherWithArgs() {
    assertThat(load("template-cmd-and-args").problems())
        .containsExactly(
            error(
                FILE,
                4,
                3,
                "cmd and args cannot both be set (Marathon runs one or the other; keep one)"));
  }

  @Test
  void checksNetworkAndPortMappings() {
    String mapping = "container.docker.portMappings[0].";
    assertThat(load("template-port-mappings").problems())
        .containsExactly(
            error(
                FILE,
                6,
                18,
                "container.docker.network must be one of BRIDGE, HOST, NONE, USER, not \"bridge\""
                    + " (did you mean 'BRIDGE'?)"),
            error(
                FILE,
                7,
                44,
                mapping + "containerPort must be an integer from 0 to 65535, not 70000"),
            error(
                FILE,
                7,
                63,
                mapping
                    + "protocol must be one of tcp, udp, udp,tcp, not \"http\" (did you mean 'tcp'?)"),
            error(
                FILE,
                7,
                79,
                mapping
                    + "name \"Web\" must be a lowercase letter followed by lowercase letters, digits"
                    + " and dashes"));
  }

  @Test
  void rejectsTwoServicesThatDeployTheSameMarathonApp() {
    assertThat(load("duplicate-app-id").problems())
        .containsExactly(
            error(
                "conveyor.yaml",
                8,
                3,
                "service 'billing' deploys Marathon app /accounts, and so does service 'accounts';"
                    + " give each service its own app id"),
            error(
                "conveyor.yaml",
                12,
                10,
                "service 'ledger' deploys Marathon app /accounts, and so does service 'accounts';"
                    + " give each service its own app id"));
  }
}
