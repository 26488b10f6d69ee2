package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Signature checks, against the example GitHub documents for X-Hub-Signature-256. */
class GitServerTests {
  static final byte[] SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
  static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
  static final String HEX = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  @Test
  void githubSignatureMatchesTheDocumentedExample() {
    assertThat(GitServer.GITHUB.signatureMatches("sha256=" + HEX, BODY, SECRET)).isTrue();
    assertThat(GitServer.GITHUB.signatureMatches("SHA256=" + HEX.toUpperCase(), BODY, SECRET))
        .isTrue();
  }

  @Test
  void githubSignatureWithoutItsPrefixOrWithAnotherSecretOrBodyDoesNotMatch() {
    assertThat(GitServer.GITHUB.signatureMatches(HEX, BODY, SECRET)).isFalse();
    assertThat(GitServer.GITHUB.signatureMatches("sha1=" + HEX, BODY, SECRET)).isFalse();
    assertThat(GitServer.GITHUB.signatureMatches("sha256=" + HEX, BODY, "other".getBytes()))
        .isFalse();
    assertThat(
            GitServer.GITHUB.signatureMatches("sha256=" + HEX, "Hello, World".getBytes(), SECRET))
        .isFalse();
    assertThat(GitServer.GITHUB.signatureMatches("sha256=zz", BODY, SECRET)).isFalse();
    assertThat(GitServer.GITHUB.signatureMatches("sha256=" + HEX.substring(2), BODY, SECRET))
        .isFalse();
  }

  @Test
  void giteaSignatureIsTheBareHexDigest() {
    assertThat(GitServer.GITEA.signatureMatches(HEX, BODY, SECRET)).isTrue();
    assertThat(GitServer.GITEA.signatureMatches("sha256=" + HEX, BODY, SECRET)).isFalse();
  }

  @Test
  void gitlabTokenIsTheSecretItself() {
    byte[] token = "gitlab-token".getBytes(StandardCharsets.UTF_8);

    assertThat(GitServer.GITLAB.signatureMatches("gitlab-token", BODY, token)).isTrue();
    assertThat(GitServer.GITLAB.signatureMatches("gitlab-token ", BODY, token)).isFalse();
    assertThat(GitServer.GITLAB.signatureMatches("gitlab", BODY, token)).isFalse();
  }
}
