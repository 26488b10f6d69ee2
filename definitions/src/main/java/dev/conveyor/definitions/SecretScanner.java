package dev.conveyor.definitions;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds secrets written inline in conveyor.yaml, wherever they are (known key or not): the
 * definitions repository is shared and versioned, so secrets belong on the worker and the file
 * holds {@code ${env:NAME}} references to them.
 */
final class SecretScanner {

  /** Keys whose value is a secret, matched as substrings of the lowercased key. */
  private static final List<String> SECRET_KEYS =
      List.of("password", "passwd", "secret", "token", "apikey", "api_key", "api-key");

  /** Query parameters that carry credentials in webhook URLs. */
  private static final List<String> SECRET_PARAMETERS =
      List.of(
          "token",
          "access_token",
          "auth_token",
          "key",
          "apikey",
          "api_key",
          "secret",
          "client_secret",
          "password",
          "sig",
          "signature");

  /** Webhook services whose URL path itself is the credential. */
  private static final List<String> SECRET_PATH_HOSTS =
      List.of("hooks.slack.com/services/", "discord.com/api/webhooks/");

  private static final Pattern URL =
      Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)(?:\\?([^#]*))?.*");

  private static final String FIX = "; write a ${env:NAME} reference and set NAME on the worker";

  private final Report report;

  private SecretScanner(Report report) {
    this.report = report;
  }

  static void scan(Node root, Report report) {
    new SecretScanner(report).visit(root, "");
  }

  private void visit(Node node, String path) {
    if (node instanceof Node.Mapping mapping) {
      for (Node.Field field : mapping.fields().values()) {
        String fieldPath = Checks.join(path, field.key());
        if (isSecretKey(field.key()) && field.value() instanceof Node.Scalar scalar) {
          checkSecretValue(scalar, fieldPath);
        } else {
          visit(field.value(), fieldPath);
        }
      }
    } else if (node instanceof Node.Sequence sequence) {
      for (int i = 0; i < sequence.items().size(); i++) {
        visit(sequence.items().get(i), Checks.index(path, i));
      }
    } else if (node instanceof Node.Scalar scalar && scalar.isString()) {
      checkText(scalar, path);
    }
  }

  private static boolean isSecretKey(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return SECRET_KEYS.stream().anyMatch(lower::contains);
  }

  private void checkSecretValue(Node.Scalar scalar, String path) {
    if (scalar.type() == Node.Scalar.Type.NULL || (scalar.isString() && scalar.text().isEmpty())) {
      return;
    }
    if (scalar.isString() && SecretRef.hasMalformedReference(scalar.text())) {
      malformed(scalar, path);
    } else if (!scalar.isString() || !SecretRef.isReference(scalar.text())) {
      report.error(scalar.position(), path + " holds a secret inline" + FIX);
    }
  }

  private void checkText(Node.Scalar scalar, String path) {
    String text = scalar.text();
    if (SecretRef.hasMalformedReference(text)) {
      malformed(scalar, path);
      return;
    }
    credentialInUrl(text)
        .ifPresent(what -> report.error(scalar.position(), path + " holds " + what + FIX));
  }

  private void malformed(Node.Scalar scalar, String path) {
    report.error(
        scalar.position(),
        path
            + " has a malformed secret reference; write ${env:NAME}, where NAME is letters,"
            + " digits and underscores");
  }

  /** What credential {@code text} holds when it is a URL with one written inline. */
  static Optional<String> credentialInUrl(String text) {
    Matcher url = URL.matcher(text.strip());
    if (!url.matches()) {
      return Optional.empty();
    }
    String authority = url.group(2);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      int colon = userInfo.indexOf(':');
      if (colon >= 0 && isLiteral(userInfo.substring(colon + 1))) {
        return Optional.of("a password in the URL (user:password@)");
      }
    }
    String hostAndPath = authority.substring(at + 1) + url.group(3);
    for (String prefix : SECRET_PATH_HOSTS) {
      if (hostAndPath.toLowerCase(Locale.ROOT).startsWith(prefix)
          && isLiteral(hostAndPath.substring(prefix.length()))) {
        String host = prefix.substring(0, prefix.indexOf('/'));
        return Optional.of("a " + host + " webhook URL, whose path is the secret");
      }
    }
    String query = url.group(4);
    if (query != null) {
      for (String parameter : query.split("&")) {
        int equals = parameter.indexOf('=');
        String name = equals < 0 ? parameter : parameter.substring(0, equals);
        String value = equals < 0 ? "" : parameter.substring(equals + 1);
        if (SECRET_PARAMETERS.contains(name.toLowerCase(Locale.ROOT)) && isLiteral(value)) {
          return Optional.of("a credential in the URL (the " + name + " parameter)");
        }
      }
    }
    return Optional.empty();
  }

  private static boolean isLiteral(String value) {
    return !value.isEmpty() && !SecretRef.containsReference(value);
  }
}
