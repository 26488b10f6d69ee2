package dev.conveyor.activities.gitops;

import java.util.Locale;
import java.util.Objects;
import org.eclipse.jgit.transport.URIish;

/**
 * Credentials for HTTP(S) config repositories, from the worker's settings (never from a workflow
 * input). They are offered only to {@code host}: the definitions location comes with each deploy
 * request, so credentials that any URL could ask for would leak to whoever names a URL.
 *
 * @param host the host name the credentials belong to, e.g. {@code git.example.com} (any port)
 * @param username the user name; for a token, what the server expects (see {@link #token})
 * @param password the password or token; never logged, masked in {@link #toString()}
 */
public record GitCredentials(String host, String username, String password) {
  /** The user name GitHub (and servers that ignore the user name) accept with a token. */
  public static final String TOKEN_USERNAME = "x-access-token";

  public GitCredentials {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("Git credentials need the host they belong to");
    }
    if (username == null || username.isEmpty()) {
      throw new IllegalArgumentException("Git credentials for " + host + " need a user name");
    }
    Objects.requireNonNull(password, "password");
    host = host.trim().toLowerCase(Locale.ROOT);
  }

  /**
   * A token sent as the password of {@value #TOKEN_USERNAME}. Servers that need a particular user
   * name with a token (GitLab: {@code oauth2}, Bitbucket: {@code x-token-auth}) take the
   * three-argument form instead.
   */
  public static GitCredentials token(String host, String token) {
    return new GitCredentials(host, TOKEN_USERNAME, token);
  }

  /** True when {@code uri} is an HTTP(S) URL on {@link #host}. */
  boolean appliesTo(URIish uri) {
    String scheme = uri.getScheme();
    return scheme != null
        && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        && uri.getHost() != null
        && uri.getHost().toLowerCase(Locale.ROOT).equals(host);
  }

  @Override
  public String toString() {
    return "GitCredentials[host=" + host + ", username=" + username + ", password=****]";
  }
}
