package dev.conveyor.activities.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageRefTests {
  @Test
  void parsesHostWithPortNameAndTag() {
    ImageRef ref = ImageRef.parse("127.0.0.1:5000/billing:3f2c1a");

    assertThat(ref.registry()).isEqualTo("127.0.0.1:5000");
    assertThat(ref.name()).isEqualTo("billing");
    assertThat(ref.reference()).isEqualTo("3f2c1a");
    assertThat(ref.repository()).isEqualTo("127.0.0.1:5000/billing");
    assertThat(ref.isDigest()).isFalse();
    assertThat(ref).hasToString("127.0.0.1:5000/billing:3f2c1a");
  }

  @Test
  void parsesNestedNamesAndDomainHosts() {
    ImageRef ref = ImageRef.parse("registry.example.com/team/billing-api:v1.2");

    assertThat(ref.registry()).isEqualTo("registry.example.com");
    assertThat(ref.name()).isEqualTo("team/billing-api");
    assertThat(ref.reference()).isEqualTo("v1.2");
  }

  @Test
  void parsesDigestReferencesAndPinsTags() {
    String digest = "sha256:" + "ab".repeat(32);
    ImageRef pinned = ImageRef.parse("localhost:5000/web@" + digest);

    assertThat(pinned.isDigest()).isTrue();
    assertThat(pinned.reference()).isEqualTo(digest);
    assertThat(pinned).hasToString("localhost:5000/web@" + digest);
    assertThat(ImageRef.parse("localhost:5000/web:abc").pinned(digest))
        .isEqualTo("localhost:5000/web@" + digest);
  }

  @Test
  void rejectsReferencesWithoutRegistryHost() {
    assertThatThrownBy(() -> ImageRef.parse("billing:latest"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no registry")
        .hasMessageContaining("<host[:port]>/<name>:<tag>");
    assertThatThrownBy(() -> ImageRef.parse("library/billing:latest"))
        .hasMessageContaining("does not start with a registry host");
  }

  @Test
  void rejectsMissingTagAndUppercaseNames() {
    assertThatThrownBy(() -> ImageRef.parse("127.0.0.1:5000/billing"))
        .hasMessageContaining("has no tag");
    assertThatThrownBy(() -> ImageRef.parse("127.0.0.1:5000/Billing:1"))
        .hasMessageContaining("invalid repository name 'Billing'");
  }
}
