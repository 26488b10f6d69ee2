package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretRefTests {

  private static final Map<String, String> ENV =
      Map.of("HOOK_TOKEN", "t0k$n\\1", "SMTP_PASSWORD", "hunter2");

  @Test
  void recognisesAWholeValueReference() {
    assertThat(SecretRef.isReference("${env:SMTP_PASSWORD}")).isTrue();
    assertThat(SecretRef.isReference("x${env:SMTP_PASSWORD}")).isFalse();
    assertThat(SecretRef.isReference("${ENV:SMTP_PASSWORD}")).isFalse();
    assertThat(SecretRef.isReference("${env:}")).isFalse();
    assertThat(SecretRef.containsReference("https://h/x?token=${env:HOOK_TOKEN}")).isTrue();
    assertThat(SecretRef.names("${env:A}:${env:B_2}")).containsExactly("A", "B_2");
  }

  @Test
  void resolveSubstitutesEveryReferenceAndKeepsTheRest() {
    assertThat(SecretRef.resolve("https://h/x?token=${env:HOOK_TOKEN}&v=1", ENV::get))
        .isEqualTo("https://h/x?token=t0k$n\\1&v=1");
    assertThat(SecretRef.resolve("no references", ENV::get)).isEqualTo("no references");
  }

  @Test
  void resolveFailsNamingTheVariableThatIsNotSet() {
    assertThatThrownBy(() -> SecretRef.resolve("${env:MISSING}", ENV::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret reference ${env:MISSING} cannot be resolved: MISSING is not set");
  }

  @Test
  void spotsMalformedReferences() {
    assertThat(SecretRef.hasMalformedReference("${ENV:X}")).isTrue();
    assertThat(SecretRef.hasMalformedReference("${env:X")).isTrue();
    assertThat(SecretRef.hasMalformedReference("a ${env:X} b")).isFalse();
    assertThat(SecretRef.hasMalformedReference("$HOME")).isFalse();
  }
}
