package dev.conveyor.activities.gitops;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Worker-side settings for the config repository.
 *
 * @param dataDir the worker's data directory; clones live in {@code <dataDir>/config-repos/}
 * @param authorName author and committer name of Conveyor's commits
 * @param authorEmail author and committer email of Conveyor's commits
 * @param credentials HTTP(S) credentials for one host, if the config repo needs them
 * @param branch the branch to read and commit to; empty follows the remote's {@code HEAD} (and
 *     {@code main} when the remote does not say)
 * @param timeout network timeout of one fetch or push, and how long to wait for another activity
 *     that holds the same clone
 * @param sshCommand the ssh client for {@code ssh://} and {@code user@host:path} locations, with
 *     any options, e.g. {@code ssh -i /etc/conveyor/deploy_key}; {@code GIT_SSH} is not consulted
 */
public record GitOpsSettings(
    Path dataDir,
    String authorName,
    String authorEmail,
    Optional<GitCredentials> credentials,
    Optional<String> branch,
    Duration timeout,
    String sshCommand) {
  public static final String DEFAULT_AUTHOR_NAME = "Conveyor";
  public static final String DEFAULT_AUTHOR_EMAIL = "conveyor@localhost";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  public static final String DEFAULT_SSH_COMMAND = "ssh";

  public GitOpsSettings {
    dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize();
    authorName = authorName == null || authorName.isBlank() ? DEFAULT_AUTHOR_NAME : authorName;
    authorEmail = authorEmail == null || authorEmail.isBlank() ? DEFAULT_AUTHOR_EMAIL : authorEmail;
    credentials = credentials == null ? Optional.empty() : credentials;
    branch = branch == null ? Optional.empty() : branch.filter(b -> !b.isBlank()).map(String::trim);
    timeout =
        timeout == null || timeout.isZero() || timeout.isNegative() ? DEFAULT_TIMEOUT : timeout;
  }

  /** Settings without an ssh command of their own ({@link #DEFAULT_SSH_COMMAND}). */
  public GitOpsSettings(
      Path dataDir,
      String authorName,
      String authorEmail,
      Optional<GitCredentials> credentials,
      Optional<String> branch,
      Duration timeout) {
    this(dataDir, authorName, authorEmail, credentials, branch, timeout, DEFAULT_SSH_COMMAND);
  }

  /** Default identity, no credentials, the remote's default branch, {@link #DEFAULT_TIMEOUT}. */
  public static GitOpsSettings defaults(Path dataDir) {
    return new GitOpsSettings(
        dataDir,
        DEFAULT_AUTHOR_NAME,
        DEFAULT_AUTHOR_EMAIL,
        Optional.empty(),
        Optional.empty(),
        DEFAULT_TIMEOUT,
        DEFAULT_SSH_COMMAND);
  }
}
