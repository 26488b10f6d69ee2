package dev.conveyor.activities.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import dev.conveyor.workflows.steps.NotifyActivities.StepTiming;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What every channel says about one deployment outcome, rendered per channel: a plain-text body
 * (mail, and the {@code text} of the others), a generic JSON document (webhook) and a
 * Slack-compatible payload. Holds no secrets: only what the workflow already knows.
 */
final class DeploymentMessage {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Notification n;
  private final String link;

  DeploymentMessage(Notification notification, NotifySettings settings) {
    this.n = notification;
    this.link = link(settings, notification.workflowId());
  }

  /** {@code <ui>/namespaces/<ns>/workflows/<url-encoded id>}, or null without a UI base URL. */
  static String link(NotifySettings settings, String workflowId) {
    String base = settings.uiBaseUrl();
    if (base == null || base.isBlank() || workflowId == null) {
      return null;
    }
    String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return trimmed
        + "/namespaces/"
        + encode(settings.namespace())
        + "/workflows/"
        + encode(workflowId);
  }

  String link() {
    return link;
  }

  boolean succeeded() {
    return "SUCCEEDED".equalsIgnoreCase(n.outcome());
  }

  /** One line, e.g. {@code billing deployed to prod (3f2a9c1d0b7e)}. */
  String title() {
    String what = n.service() + " " + verb() + " " + n.env();
    return what + " (" + shortCommit() + ")";
  }

  private String verb() {
    if (succeeded()) {
      return "deployed to";
    }
    if ("ROLLED_BACK".equalsIgnoreCase(n.outcome())) {
      return "rolled back in";
    }
    if ("ABORTED".equalsIgnoreCase(n.outcome())) {
      return "deployment aborted in";
    }
    if ("FAILED".equalsIgnoreCase(n.outcome())) {
      return n.failedStep() == null
          ? "failed to deploy to"
          : "failed at " + n.failedStep() + " deploying to";
    }
    return (n.outcome() == null ? "outcome unknown" : n.outcome().toLowerCase(Locale.ROOT)) + ":";
  }

  String shortCommit() {
    String commit = n.commit() == null ? "" : n.commit();
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }

  /** The digest part of the pinned image ({@code sha256:…}), or null before there was one. */
  String digest() {
    String image = n.image();
    if (image == null) {
      return null;
    }
    int at = image.indexOf('@');
    return at < 0 ? null : image.substring(at + 1);
  }

  /** {@code name: value} lines for everything a reader needs. */
  List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add("service: " + n.service());
    lines.add("environment: " + n.env());
    lines.add("commit: " + shortCommit());
    lines.add("image: " + orNone(n.image()));
    lines.add("digest: " + orNone(digest()));
    lines.add("outcome: " + n.outcome());
    if ("ABORTED".equalsIgnoreCase(n.outcome())) {
      lines.add("aborted: " + orNone(n.reason()));
    } else if (n.failedStep() != null || n.reason() != null) {
      lines.add("failed step: " + orNone(n.failedStep()) + ": " + orNone(n.reason()));
    }
    lines.add("started by: " + orNone(n.requestedBy()));
    lines.add("workflow: " + n.workflowId());
    if (!timings().isEmpty()) {
      lines.add("steps: " + steps());
    }
    if (link != null) {
      lines.add("link: " + link);
    }
    return lines;
  }

  /** Title, blank line, the lines: the mail body and the webhook's {@code text}. */
  String text() {
    return title() + "\n\n" + String.join("\n", lines()) + "\n";
  }

  private String steps() {
    List<String> parts = new ArrayList<>();
    for (StepTiming t : timings()) {
      parts.add(
          t.step() + " " + duration(t.millis()) + " (" + t.state().toLowerCase(Locale.ROOT) + ")");
    }
    return String.join(", ", parts);
  }

  private List<StepTiming> timings() {
    return n.timings() == null ? List.of() : n.timings();
  }

  /** Every field, for machines. */
  ObjectNode webhookJson() {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("event", "conveyor.deployment");
    body.put("idempotencyKey", n.idempotencyKey());
    body.put("workflowId", n.workflowId());
    body.put("service", n.service());
    body.put("env", n.env());
    body.put("commit", n.commit());
    body.put("commitShort", shortCommit());
    body.put("image", n.image());
    body.put("digest", digest());
    body.put("outcome", n.outcome());
    body.put("failedStep", n.failedStep());
    body.put("reason", n.reason());
    body.put("requestedBy", n.requestedBy());
    ArrayNode steps = body.putArray("steps");
    for (StepTiming t : timings()) {
      steps.addObject().put("step", t.step()).put("state", t.state()).put("millis", t.millis());
    }
    body.put("link", link);
    body.put("title", title());
    body.put("text", text());
    return body;
  }

  /** A Slack incoming-webhook payload: {@code text} (the fallback) plus one mrkdwn section. */
  ObjectNode slackJson(String channel) {
    ObjectNode body = MAPPER.createObjectNode();
    String icon = succeeded() ? ":white_check_mark:" : ":x:";
    String heading = icon + " " + slackEscape(title());
    if (link != null) {
      heading = icon + " <" + link + "|" + slackEscape(title()) + ">";
    }
    body.put("text", icon + " " + title() + "\n" + String.join("\n", lines()));
    if (channel != null && !channel.isBlank()) {
      body.put("channel", channel);
    }
    StringBuilder section = new StringBuilder("*").append(heading).append("*");
    for (String line : lines()) {
      int colon = line.indexOf(": ");
      section
          .append("\n*")
          .append(slackEscape(line.substring(0, colon)))
          .append(":* ")
          .append(slackEscape(line.substring(colon + 2)));
    }
    ObjectNode block = body.putArray("blocks").addObject();
    block.put("type", "section");
    block.putObject("text").put("type", "mrkdwn").put("text", section.toString());
    return body;
  }

  /** For the mail subject. */
  String subject() {
    return "[conveyor] " + n.outcome() + ": " + title();
  }

  private static String slackEscape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String orNone(String value) {
    return value == null || value.isBlank() ? "(none)" : value;
  }

  static String duration(long millis) {
    if (millis < 1000) {
      return millis + "ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
    long seconds = millis / 1000;
    return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
