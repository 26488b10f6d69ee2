package dev.conveyor.cli.trigger;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Git servers whose push webhooks Conveyor accepts, with how each one names its headers, signs
 * its requests and shapes its push payload.
 *
 * <ul>
 *   <li>GitHub: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>}, event {@code
 *       X-GitHub-Event: push}, delivery id {@code X-GitHub-Delivery} (kept on redelivery).
 *   <li>Gitea: {@code X-Gitea-Signature: <hex HMAC-SHA256 of the body>}, {@code X-Gitea-Event:
 *       push}, {@code X-Gitea-Delivery}.
 *   <li>GitLab: {@code X-Gitlab-Token: <the secret itself>}, {@code X-Gitlab-Event: Push Hook} (or
 *       {@code Tag Push Hook}), delivery id {@code Idempotency-Key} (GitLab 17.4+, kept on retries)
 *       else {@code X-Gitlab-Event-UUID}.
 * </ul>
 *
 * Every comparison is constant-time.
 */
enum GitServer {
  GITHUB(
      "github",
      "X-Hub-Signature-256",
      "X-GitHub-Event",
      Set.of("push"),
      List.of("X-GitHub-Delivery"),
      "repository",
      "full_name",
      "pusher",
      "name") {
    @Override
    boolean signatureMatches(String header, byte[] body, byte[] secret) {
      String prefix = "sha256=";
      if (!header.regionMatches(true, 0, prefix, 0, prefix.length())) {
        return false;
      }
      return hexEquals(header.substring(prefix.length()), hmacSha256(secret, body));
    }
  },
  GITEA(
      "gitea",
      "X-Gitea-Signature",
      "X-Gitea-Event",
      Set.of("push"),
      List.of("X-Gitea-Delivery"),
      "repository",
      "full_name",
      "pusher",
      "login") {
    @Override
    boolean signatureMatches(String header, byte[] body, byte[] secret) {
      return hexEquals(header, hmacSha256(secret, body));
    }
  },
  GITLAB(
      "gitlab",
      "X-Gitlab-Token",
      "X-Gitlab-Event",
      Set.of("Push Hook", "Tag Push Hook"),
      List.of("Idempotency-Key", "X-Gitlab-Event-UUID"),
      "project",
      "path_with_namespace",
      null,
      "user_username") {
    @Override
    boolean signatureMatches(String header, byte[] body, byte[] secret) {
      // Digests first: MessageDigest.isEqual is constant-time only for inputs of equal length.
      return MessageDigest.isEqual(sha256(header.getBytes(StandardCharsets.UTF_8)), sha256(secret));
    }
  };

  private final String path;
  private final String signatureHeader;
  private final String eventHeader;
  private final Set<String> pushEvents;
  private final List<String> deliveryHeaders;
  private final String repositoryObject;
  private final String repositoryField;
  private final String pusherObject;
  private final String pusherField;

  GitServer(
      String path,
      String signatureHeader,
      String eventHeader,
      Set<String> pushEvents,
      List<String> deliveryHeaders,
      String repositoryObject,
      String repositoryField,
      String pusherObject,
      String pusherField) {
    this.path = path;
    this.signatureHeader = signatureHeader;
    this.eventHeader = eventHeader;
    this.pushEvents = pushEvents;
    this.deliveryHeaders = deliveryHeaders;
    this.repositoryObject = repositoryObject;
    this.repositoryField = repositoryField;
    this.pusherObject = pusherObject;
    this.pusherField = pusherField;
  }

  /** Whether {@code header} (the value of {@link #signatureHeader()}) signs {@code body}. */
  abstract boolean signatureMatches(String header, byte[] body, byte[] secret);

  /** The last path segment: {@code /hooks/<path>}. */
  String path() {
    return path;
  }

  String signatureHeader() {
    return signatureHeader;
  }

  String eventHeader() {
    return eventHeader;
  }

  boolean isPush(String event) {
    return pushEvents.contains(event);
  }

  /** GitHub's ping, sent when a webhook is created: answered, never started from. */
  boolean isPing(String event) {
    return this == GITHUB && "ping".equals(event);
  }

  List<String> deliveryHeaders() {
    return deliveryHeaders;
  }

  /** Where the payload names the repository: object, then field. */
  String repositoryObject() {
    return repositoryObject;
  }

  String repositoryField() {
    return repositoryField;
  }

  /** Where the payload names the pusher: object (null: top level), then field. */
  String pusherObject() {
    return pusherObject;
  }

  String pusherField() {
    return pusherField;
  }

  String label() {
    return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
  }

  static GitServer fromPath(String segment) {
    for (GitServer server : values()) {
      if (server.path.equals(segment)) {
        return server;
      }
    }
    return null;
  }

  static byte[] hmacSha256(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }

  private static byte[] sha256(byte[] value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }

  /** Constant-time comparison of a hex signature with the expected MAC; malformed hex is false. */
  private static boolean hexEquals(String hex, byte[] expected) {
    byte[] given;
    try {
      given = HexFormat.of().parseHex(hex.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(given, expected);
  }
}
