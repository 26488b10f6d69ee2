package dev.conveyor.activities.notify;

import static dev.conveyor.activities.notify.NotifyActivitiesImplTests.WORKFLOW;
import static dev.conveyor.activities.notify.NotifyActivitiesImplTests.failed;
import static dev.conveyor.activities.notify.NotifyActivitiesImplTests.succeeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities.NotifyResult;
import io.temporal.failure.ApplicationFailure;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Mail notifications against a real SMTP server (GreenMail) on a free loopback port. */
class MailNotifyTests {
  @RegisterExtension
  static final GreenMailExtension smtp =
      new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
          .withConfiguration(
              GreenMailConfiguration.aConfig().withUser("notify@example.org", "notify", "s3cret"));

  private final Map<String, String> env = new HashMap<>();

  private NotifyActivitiesImpl notifier() {
    return new NotifyActivitiesImpl(
        new NotifySettings("http://ui:8233", "default", Duration.ofSeconds(5)), env::get);
  }

  private static String server() {
    return "127.0.0.1:" + smtp.getSmtp().getPort();
  }

  private static NotifierSpec mail(Map<String, String> options) {
    return new NotifierSpec("mail", "", options);
  }

  @Test
  void theMessageArrivesWithSubjectBodyAndIdempotencyHeaders() throws Exception {
    NotifierSpec spec =
        mail(
            Map.of(
                "smtp", server(),
                "to", "team@example.org, oncall@example.org",
                "from", "conveyor@example.org"));

    NotifyResult result = notifier().send(failed(spec, "0/2 healthy; task billing.1: HTTP 503"));

    MimeMessage[] received = smtp.getReceivedMessages();
    assertThat(received).hasSize(2); // one copy per recipient mailbox
    MimeMessage message = received[0];
    assertThat(message.getSubject())
        .isEqualTo("[conveyor] FAILED: billing failed at health deploying to prod (3f2a9c1d0b7e)");
    assertThat(message.getFrom()[0].toString()).isEqualTo("conveyor@example.org");
    assertThat(message.getHeader("X-Conveyor-Idempotency-Key", null))
        .isEqualTo(WORKFLOW + "/failed/0");
    assertThat(message.getMessageID())
        .isEqualTo(MailNotifier.messageId(WORKFLOW + "/failed/0", "127.0.0.1"));
    String body = GreenMailUtil.getBody(message);
    assertThat(body)
        .contains("service: billing")
        .contains("environment: prod")
        .contains("commit: 3f2a9c1d0b7e")
        .contains("digest: sha256:abcd1234")
        .contains("failed step: health: 0/2 healthy; task billing.1: HTTP 503")
        .contains("started by: alice")
        .contains("health 5m00s (failed)")
        .contains(
            "link: http://ui:8233/namespaces/default/workflows/deploy%2Fprod%2Fbilling%2F3f2a9c1d0b7e");
    assertThat(result.channel()).isEqualTo("mail");
  }

  @Test
  void aRetriedSendIsTheSameMessageId() throws Exception {
    NotifierSpec spec = mail(Map.of("smtp", server(), "to", "team@example.org"));

    notifier().send(succeeded(spec));
    notifier().send(succeeded(spec));

    MimeMessage[] received = smtp.getReceivedMessages();
    assertThat(received).hasSize(2);
    assertThat(received[1].getMessageID()).isEqualTo(received[0].getMessageID());
  }

  @Test
  void thePasswordComesFromTheWorkersEnvironment() {
    env.put("SMTP_PASSWORD", "s3cret");
    NotifierSpec spec =
        mail(
            Map.of(
                "smtp", "smtp://" + server(),
                "to", "team@example.org",
                "username", "notify",
                "password", "${env:SMTP_PASSWORD}"));

    notifier().send(succeeded(spec));

    assertThat(smtp.getReceivedMessages()).hasSize(1);
  }

  @Test
  void aWrongPasswordIsMisconfiguredWithoutShowingIt() {
    env.put("SMTP_PASSWORD", "not-the-password");
    NotifierSpec spec =
        mail(
            Map.of(
                "smtp", server(),
                "to", "team@example.org",
                "username", "notify",
                "password", "${env:SMTP_PASSWORD}"));

    assertThatThrownBy(() -> notifier().send(succeeded(spec)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.MISCONFIGURED);
              assertThat(f.getOriginalMessage()).doesNotContain("not-the-password");
            });
    assertThat(smtp.getReceivedMessages()).isEmpty();
  }

  @Test
  void anUnsetPasswordVariableIsMisconfiguredAndNamed() {
    NotifierSpec spec =
        mail(
            Map.of(
                "smtp", server(),
                "to", "team@example.org",
                "username", "notify",
                "password", "${env:SMTP_PASSWORD}"));

    assertThatThrownBy(() -> notifier().send(succeeded(spec)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.MISCONFIGURED);
              assertThat(f.getOriginalMessage()).contains("SMTP_PASSWORD");
            });
  }

  @Test
  void withoutRecipientsTheNotifierIsMisconfigured() {
    assertThatThrownBy(() -> notifier().send(succeeded(mail(Map.of("smtp", server())))))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getOriginalMessage()).contains("no recipients"));
  }

  @Test
  void anUnreachableServerIsTransient() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    NotifierSpec spec = mail(Map.of("smtp", "127.0.0.1:" + closed, "to", "team@example.org"));

    assertThatThrownBy(() -> notifier().send(succeeded(spec)))
        .isInstanceOf(NotifierException.class)
        .isNotInstanceOf(ApplicationFailure.class);
  }
}
