package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a valid definitions directory loads into. */
class DefinitionsTests {

  private static Definitions full() {
    LoadResult result = Fixtures.load("valid-full");
    assertThat(result.problems()).isEmpty();
    return result.definitions().orElseThrow();
  }

  @Test
  void loadsEveryFieldAsWritten() {
    Definitions d = full();

    assertThat(d.version()).isEqualTo(1);
    assertThat(d.registry()).isEqualTo("registry.example.com:5000/team");
    assertThat(d.root()).isEqualTo(Fixtures.fixture("valid-full").toAbsolutePath().normalize());
    assertThat(d.environment("prod"))
        .isEqualTo(
            new Environment(
                "prod",
                Target.MARATHON,
                Optional.of(
                    new MarathonEndpoint(
                        "https://${env:MARATHON_USER}:${env:MARATHON_PASSWORD}@marathon.prod:8443")),
                Optional.empty(),
                true,
                Duration.ofMinutes(90)));
    assertThat(d.service("accounts"))
        .isEqualTo(
            new Service(
                "accounts",
                "../accounts.git",
                "docker/Dockerfile.prod",
                "service",
                "apps/accounts-app.json",
                new Health("/ready", 9090, Duration.ofSeconds(90)),
                List.of()));
    assertThat(d.stacks())
        .containsExactly(
            Map.entry("payments", List.of("accounts", "billing")),
            Map.entry("accounts-only", List.of("accounts")));
    assertThat(d.notifiers())
        .containsExactly(
            new Notifier(
                "webhook", "https://hooks.example.com/conveyor?token=${env:HOOK_TOKEN}", Map.of()),
            new Notifier("slack", "${env:SLACK_WEBHOOK_URL}", Map.of("channel", "#deploys")),
            new Notifier(
                "mail",
                "smtp://smtp.example.com:587",
                Map.of(
                    "to", "team@example.com, oncall@example.com",
                    "from", "conveyor@example.com",
                    "smtp", "smtp.example.com:587",
                    "username", "conveyor",
                    "password", "${env:SMTP_PASSWORD}")));
  }

  @Test
  void fillsInTheDocumentedDefaults() {
    Definitions d = full();

    assertThat(d.service("billing"))
        .isEqualTo(
            new Service(
                "billing",
                "../billing.git",
                "Dockerfile",
                ".",
                "marathon/billing.json",
                new Health("/health", 8080, Duration.ofMinutes(5)),
                List.of("accounts")));
    assertThat(d.environment("qa"))
        .isEqualTo(
            new Environment(
                "qa",
                Target.DOCKER,
                Optional.empty(),
                Optional.of(new ConsulEndpoint("http://consul.qa:8500")),
                false,
                Duration.ofMinutes(15)));
    Definitions minimal = Fixtures.load("valid-minimal").definitions().orElseThrow();
    assertThat(minimal.registry()).isEqualTo("localhost:5000");
    assertThat(minimal.stacks()).isEmpty();
    assertThat(minimal.notifiers()).isEmpty();
  }

  @Test
  void mapsKeepTheOrderOfTheFileAndCannotBeChanged() {
    Definitions d = full();

    assertThat(d.environments().keySet()).containsExactly("qa", "prod");
    assertThat(d.services().keySet()).containsExactly("accounts", "billing");
    assertThatThrownBy(() -> d.services().remove("accounts"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> d.stacks().get("payments").add("web"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void lookupsOfUnknownNamesSayWhichNamesExist() {
    Definitions d = full();

    assertThatThrownBy(() -> d.service("biling"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown service 'biling' (did you mean 'billing'?) (known: accounts, billing)");
    assertThatThrownBy(() -> d.environment("staging"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown environment 'staging' (known: qa, prod)");
    assertThatThrownBy(() -> d.stack("frontend"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown stack 'frontend' (known: payments, accounts-only)");
  }

  @Test
  void graphFollowsDependsOn() {
    assertThat(full().graph().layers()).containsExactly(List.of("accounts"), List.of("billing"));
  }

  @Test
  void appTemplateIsAFreshCopyEachTime() {
    Definitions d = full();

    ObjectNode first = d.appTemplate("accounts");
    first.put("instances", 99);

    assertThat(d.appTemplate("accounts").get("id").asText()).isEqualTo("/accounts");
    assertThat(d.appTemplate("accounts").get("instances").asInt()).isEqualTo(1);
  }

  @Test
  void withImageWritesTheImageIntoACopy() {
    ObjectNode template = full().appTemplate("billing");

    ObjectNode app = AppTemplate.withImage(template, "localhost:5000/billing@sha256:abc");

    assertThat(AppTemplate.image(app)).contains("localhost:5000/billing@sha256:abc");
    assertThat(AppTemplate.image(template)).contains("");
    assertThat(AppTemplate.id(app)).contains("/billing");
  }

  @Test
  void withImageCreatesTheContainerWhenTheTemplateHasNone() throws Exception {
    ObjectNode app = AppTemplate.withImage(AppTemplate.parse("{\"id\": \"/x\"}"), "img");

    assertThat(app.toString())
        .isEqualTo(
            "{\"id\":\"/x\",\"container\":{\"type\":\"DOCKER\",\"docker\":{\"image\":\"img\"}}}");
  }
}
