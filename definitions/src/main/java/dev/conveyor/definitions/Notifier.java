package dev.conveyor.definitions;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of {@code notify}. Values may hold {@code ${env:NAME}} references, which only the
 * worker resolves (see {@link SecretRef}).
 *
 * @param type {@code webhook}, {@code slack} or {@code mail}
 * @param url where to post: the webhook or Slack incoming-webhook URL; for {@code mail} the SMTP
 *     server as {@code smtp://host:port}
 * @param options the entry's other fields as written: {@code channel} for slack; {@code to}, {@code
 *     from}, {@code smtp}, {@code username}, {@code password} for mail
 */
public record Notifier(String type, String url, Map<String, String> options) {

  public static final String WEBHOOK = "webhook";
  public static final String SLACK = "slack";
  public static final String MAIL = "mail";

  public Notifier {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(url, "url");
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }
}
