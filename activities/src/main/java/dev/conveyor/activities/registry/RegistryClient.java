package dev.conveyor.activities.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Reads manifests' digests from a Docker Registry HTTP API v2 (CNCF distribution and compatible
 * registries). Read-only, so every call is safe to repeat.
 *
 * <p>Authentication follows the registry's {@code WWW-Authenticate} challenge: Bearer (fetch a
 * token from the realm with the configured login, then retry) or Basic (retry with the login).
 * Tokens are not cached: each lookup is a handful of small requests at most.
 *
 * <p>Failures are {@link RegistryException}s carrying the status: 0/429/5xx are transient, 401/403
 * mean the login is missing or refused.
 */
public final class RegistryClient {
  /** Every manifest type the digest may be of; without them a registry may convert and lie. */
  static final String MANIFEST_ACCEPT =
      String.join(
          ", ",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json");

  private static final String DIGEST_HEADER = "Docker-Content-Digest";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistrySettings settings;
  private final OkHttpClient http;

  public RegistryClient(RegistrySettings settings) {
    this.settings = settings;
    this.http =
        new OkHttpClient.Builder()
            .callTimeout(settings.timeout())
            .connectTimeout(settings.timeout())
            .readTimeout(settings.timeout())
            .followRedirects(true)
            .build();
  }

  /**
   * The digest of {@code <repository>:<tag>}, e.g. {@code digestOf("127.0.0.1:5000/billing",
   * "3f2c…")}, or empty when the registry does not have that tag (or that repository).
   *
   * @param repository {@code <host[:port]>/<name>}
   * @throws RegistryException when the registry cannot be reached, refuses us or fails
   */
  public Optional<String> digestOf(String repository, String tag) {
    return digestOf(ImageRef.parse(repository + ":" + tag));
  }

  /** The digest the registry holds for {@code image}'s tag (or digest), or empty on 404. */
  public Optional<String> digestOf(ImageRef image) {
    HttpUrl url =
        baseUrl(image.registry())
            .newBuilder()
            .addPathSegments("v2/" + image.name() + "/manifests")
            .addPathSegment(image.reference())
            .build();
    Request head = new Request.Builder().url(url).head().header("Accept", MANIFEST_ACCEPT).build();
    try (Response first = execute(head)) {
      if (first.code() != 401) {
        return digestFrom(first, image);
      }
      String authorization = authorize(first, image);
      Request retry = head.newBuilder().header("Authorization", authorization).build();
      try (Response second = execute(retry)) {
        if (second.code() == 401) {
          throw new RegistryException(
              401, "registry " + image.registry() + " refused our credentials for " + image);
        }
        return digestFrom(second, image);
      }
    }
  }

  private Optional<String> digestFrom(Response response, ImageRef image) {
    int code = response.code();
    String type =
        String.valueOf(response.header("Content-Type")).toLowerCase(java.util.Locale.ROOT);
    if (type.startsWith("text/html") && (code == 200 || code == 404)) {
      // A registry answers its API in JSON (or, to HEAD, with no body); an HTML page comes from
      // a web server in its place, and its 404 says nothing about the tag. (A proxy's HTML 502
      // stays transient below.)
      throw new RegistryException(
          code,
          "registry "
              + image.registry()
              + " answered HEAD "
              + image
              + " with an HTML page (HTTP "
              + code
              + "), not a registry API answer: does the definitions' registry name a Docker"
              + " registry (host:port, no path to a web page)?");
    }
    if (code == 404) {
      return Optional.empty();
    }
    if (code == 200) {
      String digest = response.header(DIGEST_HEADER);
      if (digest == null || digest.isBlank()) {
        throw new RegistryException(
            code,
            "registry "
                + image.registry()
                + " answered HEAD "
                + image
                + " without "
                + DIGEST_HEADER);
      }
      return Optional.of(digest.trim());
    }
    throw new RegistryException(
        code,
        "registry "
            + image.registry()
            + " answered HEAD "
            + image
            + " with HTTP "
            + code
            + (code == 403 ? " (access denied: check the registry login)" : ""));
  }

  /** The {@code Authorization} header value that answers the challenge in {@code unauthorized}. */
  private String authorize(Response unauthorized, ImageRef image) {
    AuthChallenge challenge =
        AuthChallenge.parse(unauthorized.header("WWW-Authenticate"))
            .orElseThrow(
                () ->
                    new RegistryException(
                        401,
                        "registry "
                            + image.registry()
                            + " answered 401 without a WWW-Authenticate challenge"));
    if (challenge.isBasic()) {
      RegistryCredentials login = requireCredentials(image);
      return Credentials.basic(login.username(), login.password());
    }
    if (challenge.isBearer()) {
      return "Bearer " + fetchToken(challenge, image);
    }
    throw new RegistryException(
        401,
        "registry "
            + image.registry()
            + " asks for unsupported authentication '"
            + challenge.scheme()
            + "'");
  }

  private String fetchToken(AuthChallenge challenge, ImageRef image) {
    String realm =
        challenge
            .param("realm")
            .orElseThrow(
                () ->
                    new RegistryException(
                        401,
                        "registry " + image.registry() + " sent a Bearer challenge without realm"));
    HttpUrl realmUrl = baseUrl(image.registry()).resolve(realm);
    if (realmUrl == null) {
      throw new RegistryException(
          401, "registry " + image.registry() + " sent an unusable token realm '" + realm + "'");
    }
    HttpUrl.Builder tokenUrl = realmUrl.newBuilder();
    challenge.param("service").ifPresent(s -> tokenUrl.addQueryParameter("service", s));
    tokenUrl.addQueryParameter(
        "scope", challenge.param("scope").orElse("repository:" + image.name() + ":pull"));
    Request.Builder request = new Request.Builder().url(tokenUrl.build()).get();
    // Anonymous tokens are fine for public repositories; send the login when we have one.
    settings
        .credentials()
        .ifPresent(
            c -> request.header("Authorization", Credentials.basic(c.username(), c.password())));
    try (Response response = execute(request.build())) {
      if (response.code() == 401 || response.code() == 403) {
        throw new RegistryException(
            response.code(),
            "token service "
                + realmUrl.host()
                + " refused "
                + (settings.credentials().isPresent() ? "the registry login" : "an anonymous token")
                + " for "
                + image
                + " (HTTP "
                + response.code()
                + ")");
      }
      if (response.code() != 200) {
        throw new RegistryException(
            response.code(),
            "token service " + realmUrl.host() + " answered HTTP " + response.code());
      }
      JsonNode body = JSON.readTree(bodyOf(response));
      String token = body.path("token").asText("");
      if (token.isEmpty()) {
        token = body.path("access_token").asText("");
      }
      if (token.isEmpty()) {
        throw new RegistryException(
            200, "token service " + realmUrl.host() + " answered without token or access_token");
      }
      return token;
    } catch (IOException e) {
      throw new RegistryException(0, "cannot read a token from " + realmUrl.host() + ": " + e, e);
    }
  }

  private RegistryCredentials requireCredentials(ImageRef image) {
    return settings
        .credentials()
        .orElseThrow(
            () ->
                new RegistryException(
                    401,
                    "registry "
                        + image.registry()
                        + " asks for a login and none is configured (set the worker's registry"
                        + " username and password)"));
  }

  private Response execute(Request request) {
    try {
      return http.newCall(request).execute();
    } catch (IOException e) {
      throw new RegistryException(
          0, "cannot reach " + request.url().host() + ":" + request.url().port() + ": " + e, e);
    }
  }

  private static String bodyOf(Response response) throws IOException {
    ResponseBody body = response.body();
    return body == null ? "" : body.string();
  }

  /** {@code http://} for loopback and configured plain-HTTP registries, else {@code https://}. */
  HttpUrl baseUrl(String registry) {
    String scheme = isPlainHttp(registry) ? "http" : "https";
    HttpUrl url = HttpUrl.parse(scheme + "://" + registry + "/");
    if (url == null) {
      throw new IllegalArgumentException("invalid registry address '" + registry + "'");
    }
    return url;
  }

  private boolean isPlainHttp(String registry) {
    if (settings.plainHttpHosts().contains(registry)) {
      return true;
    }
    String host =
        registry.startsWith("[")
            ? registry.substring(0, registry.indexOf(']') + 1)
            : registry.split(":")[0];
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }
}
