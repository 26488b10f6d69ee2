package dev.conveyor.activities.notify;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

/**
 * Sends the plain-text message over SMTP with Jakarta Mail (Angus). The idempotency key travels as
 * {@code X-Conveyor-Idempotency-Key} and, hashed, as the {@code Message-ID}, so a retried send is
 * the same message to any mail system that deduplicates by id. Failures: refused credentials or
 * unparsable addresses are {@link FailureTypes#MISCONFIGURED}, SMTP 5xx answers {@link
 * FailureTypes#REJECTED}; SMTP 4xx, timeouts and connection errors are transient.
 */
final class MailNotifier {
  private final Duration timeout;

  MailNotifier(Duration timeout) {
    this.timeout = timeout;
  }

  /** Where and how to send; {@code password} is already resolved and never shown. */
  record Smtp(
      String host, int port, boolean ssl, boolean startTls, String username, String password) {}

  void send(Smtp smtp, String from, String to, DeploymentMessage message, String idempotencyKey) {
    String shownAs = "mail via " + smtp.host() + ":" + smtp.port();
    Properties props = new Properties();
    String protocol = smtp.ssl() ? "smtps" : "smtp";
    String ms = Long.toString(timeout.toMillis());
    props.put("mail." + protocol + ".host", smtp.host());
    props.put("mail." + protocol + ".port", Integer.toString(smtp.port()));
    props.put("mail." + protocol + ".connectiontimeout", ms);
    props.put("mail." + protocol + ".timeout", ms);
    props.put("mail." + protocol + ".writetimeout", ms);
    props.put("mail." + protocol + ".auth", Boolean.toString(smtp.username() != null));
    if (smtp.startTls()) {
      props.put("mail.smtp.starttls.enable", "true");
      props.put("mail.smtp.starttls.required", "true");
    }
    Session session = Session.getInstance(props);
    try {
      MimeMessage mail = new KeyedMessage(session, messageId(idempotencyKey, smtp.host()));
      mail.setFrom(new InternetAddress(from, true));
      mail.setRecipients(Message.RecipientType.TO, InternetAddress.parse(to, true));
      mail.setSubject(message.subject(), StandardCharsets.UTF_8.name());
      mail.setText(message.text(), StandardCharsets.UTF_8.name());
      mail.setHeader("X-Conveyor-Idempotency-Key", idempotencyKey);
      mail.setHeader("X-Conveyor-Outcome", message.succeeded() ? "SUCCEEDED" : "FAILED");
      mail.saveChanges();
      try (Transport transport = session.getTransport(protocol)) {
        transport.connect(smtp.host(), smtp.port(), smtp.username(), smtp.password());
        transport.sendMessage(mail, mail.getAllRecipients());
      }
    } catch (AddressException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          shownAs + ": the from/to options hold an invalid address: " + e.getMessage(),
          FailureTypes.MISCONFIGURED);
    } catch (AuthenticationFailedException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          shownAs
              + " refused the credentials (check the notifier's username and password"
              + " references on the worker)",
          FailureTypes.MISCONFIGURED);
    } catch (SendFailedException e) {
      int code =
          e instanceof SMTPSendFailedException smtpFailure ? smtpFailure.getReturnCode() : 550;
      String said = shownAs + " refused the message: " + e.getMessage();
      if (code >= 500 || e.getInvalidAddresses() != null && e.getInvalidAddresses().length > 0) {
        throw ApplicationFailure.newNonRetryableFailure(said, FailureTypes.REJECTED);
      }
      throw new NotifierException(code, said);
    } catch (MessagingException e) {
      throw new NotifierException(shownAs + " failed: " + e.getMessage(), e);
    }
  }

  /** A stable RFC 5322 id derived from the key: the same key always gives the same id. */
  static String messageId(String idempotencyKey, String host) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
      return "<" + HexFormat.of().formatHex(hash, 0, 16) + ".conveyor@" + host + ">";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Jakarta Mail replaces Message-ID on save; this keeps ours. */
  private static final class KeyedMessage extends MimeMessage {
    private final String id;

    KeyedMessage(Session session, String id) {
      super(session);
      this.id = id;
    }

    @Override
    protected void updateMessageID() throws MessagingException {
      setHeader("Message-ID", id);
    }
  }
}
