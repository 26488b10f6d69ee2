package dev.conveyor.activities.notify;

import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities;
import io.temporal.failure.ApplicationFailure;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 8: one notification to one channel, chosen by {@link NotifierSpec#type()}:
 *
 * <ul>
 *   <li>{@code webhook}: target = URL; a JSON POST with every field of the outcome.
 *   <li>{@code slack}: target = incoming-webhook URL; {@code {"text": …, "blocks": [...]}}, option
 *       {@code channel}.
 *   <li>{@code mail}: SMTP server from option {@code smtp} ({@code host:port}) or the target
 *       ({@code smtp://host:port}, {@code smtps://…}); options {@code to} (comma-separated), {@code
 *       from}, {@code username}, {@code password}, {@code starttls}.
 * </ul>
 *
 * Targets and options may hold {@code ${env:NAME}} references; they are resolved here, on the
 * worker, through the injected environment lookup, and an unset variable fails the send as {@link
 * FailureTypes#MISCONFIGURED} naming the variable. Resolved values are never logged or put in a
 * failure message.
 *
 * <p>Idempotency: every send carries the workflow's key ({@code Idempotency-Key} header for HTTP,
 * {@code X-Conveyor-Idempotency-Key} and a {@code Message-ID} derived from it for mail), so a send
 * that Temporal retries after a lost answer can be recognised as a duplicate by the receiver.
 */
public final class NotifyActivitiesImpl implements NotifyActivities {
  private static final Logger log = LoggerFactory.getLogger(NotifyActivitiesImpl.class);
  private static final String DEFAULT_FROM = "conveyor@localhost";

  private final NotifySettings settings;
  private final SecretReferences secrets;
  private final HttpNotifier http;
  private final MailNotifier mail;

  /** Resolves references from the worker's process environment. */
  public NotifyActivitiesImpl(NotifySettings settings) {
    this(settings, System::getenv);
  }

  /** {@code env} maps a variable name to its value, or null when unset. */
  public NotifyActivitiesImpl(NotifySettings settings, Function<String, String> env) {
    this.settings = settings;
    this.secrets = new SecretReferences(env);
    this.http =
        new HttpNotifier(
            new OkHttpClient.Builder()
                .connectTimeout(settings.timeout())
                .readTimeout(settings.timeout())
                .writeTimeout(settings.timeout())
                .callTimeout(settings.timeout())
                .followRedirects(false)
                .build());
    this.mail = new MailNotifier(settings.timeout());
  }

  @Override
  public NotifyResult send(Notification notification) {
    NotifierSpec spec = notification.notifier();
    if (spec == null || spec.type() == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "a notify entry has no type (use webhook, slack or mail)", FailureTypes.MISCONFIGURED);
    }
    String type = spec.type().toLowerCase(Locale.ROOT);
    DeploymentMessage message = new DeploymentMessage(notification, settings);
    // the workflow always sets a key; a hand-made call without one still gets a stable key
    String key =
        Objects.requireNonNullElse(
            notification.idempotencyKey(),
            notification.workflowId() + "/" + notification.outcome() + "/" + type);
    return switch (type) {
      case "webhook" -> {
        String shownAs = shownAs(type, target(spec, "url"));
        int status = http.post(url(spec, type, shownAs), shownAs, message.webhookJson(), key);
        yield delivered(type, shownAs, "HTTP " + status, notification);
      }
      case "slack" -> {
        String shownAs = shownAs(type, target(spec, "url"));
        String channel = secrets.resolve(option(spec, "channel"), type + " option channel");
        int status = http.post(url(spec, type, shownAs), shownAs, message.slackJson(channel), key);
        yield delivered(type, shownAs, "HTTP " + status, notification);
      }
      case "mail" -> sendMail(spec, message, notification, key);
      default ->
          throw ApplicationFailure.newNonRetryableFailure(
              "notifier type '" + spec.type() + "' is not known (use webhook, slack or mail)",
              FailureTypes.MISCONFIGURED);
    };
  }

  private NotifyResult sendMail(
      NotifierSpec spec, DeploymentMessage message, Notification notification, String key) {
    String server = option(spec, "smtp");
    if (server == null) {
      server = target(spec, "url");
    }
    server = secrets.resolve(server, "mail option smtp");
    if (server == null || server.isBlank()) {
      throw misconfigured("mail notifier has no SMTP server: set option smtp: host:port");
    }
    boolean ssl = server.startsWith("smtps://");
    String hostPort = server.replaceFirst("^smtps?://", "");
    if (hostPort.endsWith("/")) {
      hostPort = hostPort.substring(0, hostPort.length() - 1);
    }
    String host = hostPort;
    int port = ssl ? 465 : 25;
    int colon = hostPort.lastIndexOf(':');
    if (colon > 0) {
      host = hostPort.substring(0, colon);
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw misconfigured("mail option smtp must be host:port; the port is not a number");
      }
    }
    String to = secrets.resolve(option(spec, "to"), "mail option to");
    if (to == null || to.isBlank()) {
      throw misconfigured("mail notifier has no recipients: set option to: a@example.org,b@…");
    }
    String from = secrets.resolve(option(spec, "from"), "mail option from");
    String username = secrets.resolve(option(spec, "username"), "mail option username");
    String password = secrets.resolve(option(spec, "password"), "mail option password");
    if (username != null && username.isBlank()) {
      username = null;
    }
    boolean startTls = "true".equalsIgnoreCase(option(spec, "starttls"));
    MailNotifier.Smtp smtp = new MailNotifier.Smtp(host, port, ssl, startTls, username, password);
    mail.send(smtp, from == null || from.isBlank() ? DEFAULT_FROM : from, to, message, key);
    return delivered("mail", "mail via " + host + ":" + port, "to " + to, notification);
  }

  private HttpUrl url(NotifierSpec spec, String type, String shownAs) {
    String raw = target(spec, "url");
    if (raw == null || raw.isBlank()) {
      throw misconfigured(type + " notifier has no URL: set url in its notify entry");
    }
    HttpUrl url = HttpUrl.parse(secrets.resolve(raw, shownAs));
    if (url == null) {
      throw misconfigured(shownAs + " does not resolve to an http(s) URL");
    }
    return url;
  }

  private NotifyResult delivered(
      String channel, String shownAs, String how, Notification notification) {
    log.info(
        "{} notified of {} for {} ({})",
        shownAs,
        notification.outcome(),
        notification.workflowId(),
        how);
    return new NotifyResult(channel, "sent to " + shownAs + " (" + how + ")");
  }

  /** The target, or the given option when the target is empty. */
  private static String target(NotifierSpec spec, String option) {
    String target = spec.target();
    return target == null || target.isBlank() ? option(spec, option) : target;
  }

  private static String option(NotifierSpec spec, String name) {
    Map<String, String> options = spec.options();
    return options == null ? null : options.get(name);
  }

  /**
   * How messages and logs name a target: its unresolved {@code ${env:…}} text when it has one (that
   * names no secret), else scheme and host only (a literal URL may still carry a token).
   */
  private static String shownAs(String type, String raw) {
    if (raw == null) {
      return type;
    }
    if (SecretReferences.hasReference(raw)) {
      return type + " " + raw;
    }
    HttpUrl url = HttpUrl.parse(raw);
    return url == null ? type : type + " at " + url.scheme() + "://" + url.host();
  }

  private static ApplicationFailure misconfigured(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.MISCONFIGURED);
  }
}
