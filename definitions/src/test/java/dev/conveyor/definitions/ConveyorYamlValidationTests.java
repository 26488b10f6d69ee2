package dev.conveyor.definitions;

import static dev.conveyor.definitions.Fixtures.error;
import static dev.conveyor.definitions.Fixtures.load;
import static dev.conveyor.definitions.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** One test per kind of problem in conveyor.yaml, each on its own fixture. */
class ConveyorYamlValidationTests {

  private static final String FILE = "conveyor.yaml";
  private static final String USE_ENV =
      "; write a ${env:NAME} reference and set NAME on the worker";

  @Test
  void reportsYamlSyntaxErrorAtTheParsersLocation() {
    LoadResult result = load("yaml-syntax-error");

    assertThat(result.problems())
        .containsExactly(
            error(FILE, 8, 16, "YAML syntax error: mapping values are not allowed here"));
    assertThat(result.definitions()).isEmpty();
  }

  @Test
  void refusesYamlAliasesInsteadOfReadingTheirName() {
    assertThat(load("yaml-alias").problems())
        .containsExactly(
            error(
                FILE,
                11,
                13,
                "YAML aliases (*standard) are not supported; write the value out in full"));
  }

  @Test
  void reportsAnEmptyFile() {
    assertThat(load("empty-file").problems())
        .containsExactly(error(FILE, 1, 1, "the file is empty"));
  }

  @Test
  void reportsASecondYamlDocument() {
    assertThat(load("two-documents").problems())
        .containsExactly(
            error(
                FILE,
                7,
                1,
                "a second YAML document begins here (after a --- line); keep one document per"
                    + " file"));
  }

  @Test
  void reportsARootThatIsNotAMapping() {
    assertThat(load("root-not-a-mapping").problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "conveyor.yaml must be a mapping with version, registry, environments, services,"
                    + " jobs, stacks, notify, not a list"));
  }

  @Test
  void pointsAtConveyorYmlWhenConveyorYamlIsMissing() {
    Path dir = Fixtures.fixture("conveyor-yml-instead");

    assertThat(Definitions.load(dir).problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "no conveyor.yaml in "
                    + dir
                    + " (found conveyor.yml: rename it to conveyor.yaml)"));
  }

  @Test
  void reportsADirectoryThatDoesNotExist() {
    Path missing = Fixtures.fixture("valid-minimal").resolve("no-such-dir");

    LoadResult result = Definitions.load(missing);

    assertThat(result.ok()).isFalse();
    assertThat(result.problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "no definitions directory at "
                    + missing
                    + " (pass the directory that holds conveyor.yaml)"));
  }

  @Test
  void reportsUnknownKeyWithDidYouMean() {
    assertThat(load("unknown-key").problems())
        .containsExactly(
            error(
                FILE,
                10,
                5,
                "unknown key 'dependson' in services.billing (did you mean 'dependsOn'?)"));
  }

  @Test
  void listsTheAllowedKeysWhenNoKnownKeyIsClose() {
    assertThat(load("unknown-key-without-suggestion").problems())
        .containsExactly(
            error(
                FILE,
                5,
                5,
                "unknown key 'region' in environments.qa (allowed: target, marathon, consul,"
                    + " chronos, approval, bake, rollback, registry)"));
  }

  @Test
  void reportsMissingVersionAndSaysWhichVersionsAreSupported() {
    assertThat(load("missing-version").problems())
        .containsExactly(
            error(FILE, 1, 1, "version is missing (add \"version: 1\"; supported versions: 1)"));
  }

  @Test
  void rejectsAnUnsupportedVersionAtItsValue() {
    assertThat(load("unsupported-version").problems())
        .containsExactly(error(FILE, 1, 10, "version 2 is not supported (supported versions: 1)"));
  }

  @Test
  void reportsMissingEnvironmentsAndServices() {
    assertThat(load("missing-sections").problems())
        .containsExactly(
            error(
                FILE,
                1,
                1,
                "environments is missing (add at least one environment, e.g. qa: { target: docker"
                    + " })"),
            error(FILE, 1, 1, "services is missing (add at least one service with its repo)"));
  }

  @Test
  void reportsMissingRepoAtTheServiceKey() {
    assertThat(load("missing-repo").problems())
        .containsExactly(
            error(
                FILE,
                6,
                3,
                "services.accounts.repo is missing (the source repository: a path relative to the"
                    + " definitions repository, or a URL)"));
  }

  @Test
  void rejectsEnvironmentServiceAndStackNamesOutsideThePattern() {
    String rule =
        " must match [a-z0-9][a-z0-9-]{0,62} (lowercase letters, digits and dashes, starting"
            + " with a letter or digit, at most 63 characters)";

    assertThat(load("invalid-names").problems())
        .containsExactly(
            error(FILE, 3, 3, "environment name 'Prod'" + rule),
            error(FILE, 6, 3, "service name 'billing_v2'" + rule),
            error(FILE, 9, 3, "stack name '-payments'" + rule));
  }

  @Test
  void reportsDependencyOnUnknownServiceWithDidYouMean() {
    assertThat(load("unknown-dependency").problems())
        .containsExactly(
            error(
                FILE,
                10,
                17,
                "services.billing.dependsOn names unknown service 'acounts' (did you mean"
                    + " 'accounts'?)"));
  }

  @Test
  void reportsStackMembersThatAreNotServices() {
    assertThat(load("unknown-stack-member").problems())
        .containsExactly(
            error(
                FILE,
                12,
                24,
                "stacks.payments names unknown service 'biling' (did you mean 'billing'?)"),
            error(
                FILE,
                12,
                32,
                "stacks.payments names unknown service 'ledger' (services: accounts, billing)"));
  }

  @Test
  void printsEveryDependencyCycleOnceAsAFullPath() {
    String fix = " (remove one of these dependsOn entries)";

    assertThat(load("dependency-cycles").problems())
        .containsExactly(
            error(FILE, 8, 17, "dependency cycle: accounts -> billing -> accounts" + fix),
            error(FILE, 8, 17, "dependency cycle: accounts -> billing -> web -> accounts" + fix),
            error(FILE, 17, 17, "dependency cycle: worker -> worker" + fix));
  }

  @Test
  void warnsWhenAStackLeavesOutADependencyOfAMember() {
    LoadResult result = load("stack-missing-dependency");

    String consequence =
        " depends on: a release of 'frontend' will not deploy it and only checks that it is"
            + " healthy on the target (add it to the stack to deploy it too)";
    assertThat(result.problems())
        .containsExactly(
            warning(
                FILE, 15, 3, "stack 'frontend' leaves out 'accounts', which 'web'" + consequence),
            warning(
                FILE, 15, 3, "stack 'frontend' leaves out 'billing', which 'web'" + consequence));
    assertThat(result.ok()).isTrue();
    assertThat(result.definitions()).isPresent();
  }

  @Test
  void reportsUnknownTargetsWithDidYouMean() {
    assertThat(load("unknown-target").problems())
        .containsExactly(
            error(
                FILE, 4, 13, "unknown target 'dokcer' in environments.qa (did you mean 'docker'?)"),
            error(
                FILE,
                6,
                13,
                "unknown target 'kubernetes' in environments.prod (targets: docker, marathon)"));
  }

  @Test
  void reportsMarathonTargetWithoutUrl() {
    assertThat(load("marathon-without-url").problems())
        .containsExactly(
            error(
                FILE,
                4,
                13,
                "environments.prod.marathon.url is missing (target marathon needs the Marathon API,"
                    + " e.g. marathon: { url: \"http://marathon.prod:8080\" })"),
            error(
                FILE,
                8,
                5,
                "environments.staging.marathon.url is missing (e.g. url:"
                    + " \"http://marathon.prod:8080\")"),
            error(
                FILE, 8, 17, "unknown key 'host' in environments.staging.marathon (allowed: url)"));
  }

  @Test
  void rejectsSecretsWrittenInlineInUrlsAndSecretFields() {
    assertThat(load("inline-secrets").problems())
        .containsExactly(
            error(
                FILE,
                5,
                22,
                "environments.prod.marathon.url holds a password in the URL (user:password@)"
                    + USE_ENV),
            error(
                FILE,
                8,
                11,
                "services.accounts.repo holds a password in the URL (user:password@)" + USE_ENV),
            error(
                FILE,
                10,
                25,
                "notify[0].url holds a hooks.slack.com webhook URL, whose path is the secret"
                    + USE_ENV),
            error(
                FILE,
                11,
                27,
                "notify[1].url holds a credential in the URL (the token parameter)" + USE_ENV),
            error(FILE, 16, 15, "notify[2].password holds a secret inline" + USE_ENV));
  }

  @Test
  void rejectsAMalformedSecretReference() {
    assertThat(load("malformed-secret-reference").problems())
        .containsExactly(
            error(
                FILE,
                9,
                27,
                "notify[0].url has a malformed secret reference; write ${env:NAME}, where NAME is"
                    + " letters, digits and underscores"));
  }

  @Test
  void reportsADuplicateKeyWhereItIsWrittenTheSecondTime() {
    assertThat(load("duplicate-key").problems())
        .containsExactly(
            error(
                FILE,
                8,
                3,
                "duplicate key 'accounts' (first written at line 6, column 3); keep one of them"));
  }

  @Test
  void reportsValuesOfTheWrongTypeOrFormat() {
    assertThat(load("wrong-value-types").problems())
        .containsExactly(
            error(
                FILE,
                2,
                11,
                "registry must be host[:port][/path] without a scheme (e.g. localhost:5000 or"
                    + " registry.example.com/team), not \"http://localhost:5000\""),
            error(FILE, 6, 15, "environments.qa.approval must be one of required, none, not true"),
            error(
                FILE,
                7,
                11,
                "environments.qa.bake needs a unit: write 15s for seconds or 15m for minutes (30s,"
                    + " 5m, 1h or 1h30m)"),
            error(
                FILE,
                10,
                22,
                "environments.prod.marathon.url must be an http:// or https:// URL or a"
                    + " ${env:NAME} reference, not \"marathon.prod:8080\""),
            error(
                FILE,
                14,
                21,
                "services.accounts.health.path must start with '/', e.g. /health, not \"health\""),
            error(
                FILE,
                14,
                35,
                "services.accounts.health.port must be an integer from 1 to 65535, not 0"),
            error(
                FILE,
                14,
                47,
                "services.accounts.health.timeout must be a duration above zero such as 30s, 5m, 1h"
                    + " or 1h30m, not \"5 minutes\""),
            error(
                FILE,
                17,
                16,
                "services.billing.dependsOn must be a list of service names, e.g. [accounts], not"
                    + " \"accounts\""));
  }

  @Test
  void reportsNotifierProblems() {
    assertThat(load("notifier-problems").problems())
        .containsExactly(
            error(FILE, 9, 13, "unknown notifier type 'slak' in notify[0] (did you mean 'slack'?)"),
            error(
                FILE,
                10,
                5,
                "notify[1].url is missing (e.g. url: \"${env:CONVEYOR_WEBHOOK_URL}\")"),
            error(
                FILE,
                12,
                9,
                "notify[2].to must be mail addresses separated by commas, not \"team\""),
            error(
                FILE,
                14,
                11,
                "notify[2].smtp must be host:port, e.g. smtp.example.com:587, not"
                    + " \"smtp.example.com\""),
            error(
                FILE,
                15,
                5,
                "unknown key 'subject' in notify[2] (allowed for type mail: type, to, from, smtp,"
                    + " username, password)"));
  }

  @Test
  void reportsAMissingAppTemplateAtTheAppValue() {
    assertThat(load("app-template-missing").problems())
        .containsExactly(
            error(
                FILE,
                10,
                10,
                "app template marathon/billing-app.json of service 'billing' does not exist (create"
                    + " it, or set services.billing.app to the template's path)"));
  }

  @Test
  void rejectsAnAppPathOutsideTheDefinitionsDirectory() {
    assertThat(load("app-path-outside").problems())
        .containsExactly(
            error(
                FILE,
                8,
                10,
                "services.accounts.app must be a relative path inside the definitions repository,"
                    + " not \"../shared/accounts.json\""));
  }

  @Test
  void reportsAllFiveErrorsOfOneFixtureInOneRun() {
    LoadResult result = load("five-errors");

    assertThat(result.problems())
        .containsExactly(
            error(
                FILE, 4, 13, "unknown target 'dockr' in environments.qa (did you mean 'docker'?)"),
            error(
                FILE,
                8,
                17,
                "services.accounts.dependsOn names unknown service 'ledger' (services: accounts,"
                    + " Billing)"),
            error(
                FILE,
                9,
                3,
                "service name 'Billing' must match [a-z0-9][a-z0-9-]{0,62} (lowercase letters,"
                    + " digits and dashes, starting with a letter or digit, at most 63 characters)"),
            error(FILE, 11, 5, "unknown key 'helth' in services.Billing (did you mean 'health'?)"),
            error(
                "marathon/Billing.json",
                3,
                16,
                "instances must be a non-negative integer, not -2"));
    assertThat(result.definitions()).isEmpty();
    assertThat(result.problems().get(4).format())
        .isEqualTo("marathon/Billing.json:3:16: instances must be a non-negative integer, not -2");
  }

  @Test
  void warningsDoNotStopTheDefinitionsFromLoading() {
    LoadResult result = load("warnings");

    assertThat(result.problems())
        .containsExactly(
            warning(FILE, 5, 5, "environments.qa.marathon is ignored because the target is docker"),
            warning(FILE, 11, 27, "services.billing.dependsOn lists 'accounts' twice"),
            warning(FILE, 13, 33, "stacks.payments lists 'billing' twice"),
            warning(FILE, 14, 3, "stacks.later is empty: releasing it deploys nothing"),
            warning(
                "marathon/billing.json",
                6,
                20,
                "env.DB_PASSWORD holds a literal value that looks like a secret, and templates are"
                    + " committed to Git; use a Marathon secret instead: {\"secret\": \"<name>\"}"
                    + " with a \"secrets\" entry"));
    assertThat(result.ok()).isTrue();
    Definitions definitions = result.definitions().orElseThrow();
    assertThat(definitions.service("billing").dependsOn()).containsExactly("accounts");
    assertThat(definitions.stack("payments")).containsExactly("accounts", "billing");
  }
}
