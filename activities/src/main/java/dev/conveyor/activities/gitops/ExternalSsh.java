package dev.conveyor.activities.gitops;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.util.FS;

/**
 * Git over the worker's own ssh client ({@code ssh} by default), with the worker user's keys,
 * {@code known_hosts} and {@code ~/.ssh/config}. JGit's built-in SSH is a separate artifact with
 * its own key handling; the system client is what operators already configure. Runs in batch mode
 * so a missing key fails at once instead of waiting for a password prompt.
 */
final class ExternalSsh extends SshSessionFactory {
  private final List<String> command;
  private final Duration connectTimeout;

  ExternalSsh(String sshCommand, Duration connectTimeout) {
    this.command = List.of(sshCommand.trim().split("\\s+"));
    this.connectTimeout = connectTimeout;
  }

  @Override
  public RemoteSession getSession(
      URIish uri, CredentialsProvider credentials, FS fs, int timeoutSeconds) {
    return new RemoteSession() {
      @Override
      public Process exec(String remoteCommand, int timeout) throws IOException {
        List<String> args = new ArrayList<>(command);
        args.add("-o");
        args.add("BatchMode=yes");
        args.add("-o");
        args.add("ConnectTimeout=" + Math.max(1, connectTimeout.toSeconds()));
        if (uri.getPort() > 0) {
          args.add("-p");
          args.add(String.valueOf(uri.getPort()));
        }
        args.add(uri.getUser() == null ? uri.getHost() : uri.getUser() + "@" + uri.getHost());
        args.add(remoteCommand);
        return new ExitWaitingProcess(new ProcessBuilder(args).start(), connectTimeout);
      }

      @Override
      public void disconnect() {
        // Each exec is its own ssh process; JGit ends it when the connection closes.
      }
    };
  }

  @Override
  public String getType() {
    return "conveyor-external-ssh";
  }

  /**
   * JGit asks for the exit code as soon as the remote hangs up, which for a local ssh process can
   * be a moment before the process has exited ({@link Process#exitValue()} would throw and hide
   * ssh's own message, e.g. "Permission denied"). This waits for the exit, bounded.
   */
  private static final class ExitWaitingProcess extends Process {
    private final Process process;
    private final Duration exitWait;

    ExitWaitingProcess(Process process, Duration exitWait) {
      this.process = process;
      this.exitWait = exitWait;
    }

    @Override
    public OutputStream getOutputStream() {
      return process.getOutputStream();
    }

    @Override
    public InputStream getInputStream() {
      return process.getInputStream();
    }

    @Override
    public InputStream getErrorStream() {
      return process.getErrorStream();
    }

    @Override
    public int waitFor() throws InterruptedException {
      return process.waitFor();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
      return process.waitFor(timeout, unit);
    }

    @Override
    public int exitValue() {
      try {
        process.waitFor(exitWait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return process.exitValue();
    }

    @Override
    public void destroy() {
      process.destroy();
    }

    @Override
    public Process destroyForcibly() {
      return process.destroyForcibly();
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public ProcessHandle toHandle() {
      return process.toHandle();
    }
  }
}
