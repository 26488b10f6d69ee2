package dev.conveyor.activities.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Credentials;
import org.junit.jupiter.api.Test;

/**
 * The registry client against a local HTTP server that answers as the distribution registry
 * documents: HEAD manifests with {@code Docker-Content-Digest}, 404 for unknown tags, 401 with a
 * Bearer or Basic challenge, a token endpoint.
 */
class RegistryClientTests {
  private static final String DIGEST = "sha256:" + "1f".repeat(32);
  private static final RegistryCredentials LOGIN = new RegistryCredentials("ci", "s3cret");

  @StartStop final MockWebServer server = new MockWebServer();

  private String repository() {
    return "127.0.0.1:" + server.getPort() + "/billing";
  }

  private RegistryClient client(Optional<RegistryCredentials> login) {
    return new RegistryClient(new RegistrySettings(login, Duration.ofSeconds(5), Set.of()));
  }

  @Test
  void unknownTagIsEmpty() throws Exception {
    server.enqueue(new MockResponse.Builder().code(404).build());

    assertThat(client(Optional.empty()).digestOf(repository(), "abc")).isEmpty();
    RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(request.getMethod()).isEqualTo("HEAD");
    assertThat(request.getTarget()).isEqualTo("/v2/billing/manifests/abc");
  }

  @Test
  void knownTagGivesTheDigestHeaderAndAsksForEveryManifestType() throws Exception {
    server.enqueue(
        new MockResponse.Builder().code(200).addHeader("Docker-Content-Digest", DIGEST).build());

    assertThat(client(Optional.empty()).digestOf(repository(), "abc")).contains(DIGEST);
    String accept = server.takeRequest(1, TimeUnit.SECONDS).getHeaders().get("Accept");
    assertThat(accept)
        .contains("application/vnd.docker.distribution.manifest.v2+json")
        .contains("application/vnd.docker.distribution.manifest.list.v2+json")
        .contains("application/vnd.oci.image.manifest.v1+json")
        .contains("application/vnd.oci.image.index.v1+json");
  }

  @Test
  void bearerChallengeFetchesATokenWithTheLoginAndRetries() throws Exception {
    server.setDispatcher(new TokenRegistry("token"));

    assertThat(client(Optional.of(LOGIN)).digestOf(repository(), "abc")).contains(DIGEST);

    assertThat(server.getRequestCount()).isEqualTo(3);
    server.takeRequest(); // the unauthenticated HEAD
    RecordedRequest tokenRequest = server.takeRequest();
    assertThat(tokenRequest.getUrl().encodedPath()).isEqualTo("/token");
    assertThat(tokenRequest.getUrl().queryParameter("service")).isEqualTo("test-registry");
    assertThat(tokenRequest.getUrl().queryParameter("scope"))
        .isEqualTo("repository:billing:pull,push");
    assertThat(tokenRequest.getHeaders().get("Authorization"))
        .isEqualTo(Credentials.basic("ci", "s3cret"));
    assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer t0k3n");
  }

  @Test
  void tokenServiceMayAnswerWithAccessToken() {
    server.setDispatcher(new TokenRegistry("access_token"));

    assertThat(client(Optional.of(LOGIN)).digestOf(repository(), "abc")).contains(DIGEST);
  }

  @Test
  void refusedLoginAtTheTokenServiceIsUnauthorizedNotTransient() {
    server.setDispatcher(new TokenRegistry("token"));
    RegistryClient wrongLogin = client(Optional.of(new RegistryCredentials("ci", "wrong")));

    assertThatThrownBy(() -> wrongLogin.digestOf(repository(), "abc"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.isUnauthorized()).isTrue();
              assertThat(e.isTransient()).isFalse();
            })
        .hasMessageContaining("refused the registry login")
        .hasMessageNotContaining("wrong");
  }

  @Test
  void basicChallengeRetriesWithTheLogin() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(401)
            .addHeader("WWW-Authenticate", "Basic realm=\"Registry Realm\"")
            .build());
    server.enqueue(
        new MockResponse.Builder().code(200).addHeader("Docker-Content-Digest", DIGEST).build());

    assertThat(client(Optional.of(LOGIN)).digestOf(repository(), "abc")).contains(DIGEST);
    server.takeRequest();
    assertThat(server.takeRequest().getHeaders().get("Authorization"))
        .isEqualTo(Credentials.basic("ci", "s3cret"));
  }

  @Test
  void basicChallengeWithoutLoginSaysWhatToConfigure() {
    server.enqueue(
        new MockResponse.Builder()
            .code(401)
            .addHeader("WWW-Authenticate", "Basic realm=\"Registry Realm\"")
            .build());

    assertThatThrownBy(() -> client(Optional.empty()).digestOf(repository(), "abc"))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("none is configured");
  }

  @Test
  void serverErrorIsTransientAndCarriesTheStatus() {
    server.enqueue(new MockResponse.Builder().code(503).build());

    assertThatThrownBy(() -> client(Optional.empty()).digestOf(repository(), "abc"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.isTransient()).isTrue();
            })
        .hasMessageContaining("HTTP 503");
  }

  @Test
  void unreachableRegistryIsTransientWithStatusZero() {
    int port = server.getPort();
    server.close();

    assertThatThrownBy(
            () -> client(Optional.empty()).digestOf("127.0.0.1:" + port + "/billing", "abc"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.status()).isZero();
              assertThat(e.isTransient()).isTrue();
            })
        .hasMessageContaining("cannot reach 127.0.0.1:" + port);
  }

  @Test
  void okWithoutDigestHeaderIsAnError() {
    server.enqueue(new MockResponse.Builder().code(200).build());

    assertThatThrownBy(() -> client(Optional.empty()).digestOf(repository(), "abc"))
        .hasMessageContaining("without Docker-Content-Digest");
  }

  @Test
  void loopbackRegistriesUsePlainHttpAndOthersHttps() {
    RegistryClient client =
        new RegistryClient(
            new RegistrySettings(Optional.empty(), Duration.ofSeconds(1), Set.of("build:5000")));

    assertThat(client.baseUrl("127.0.0.1:5000").scheme()).isEqualTo("http");
    assertThat(client.baseUrl("localhost:5000").scheme()).isEqualTo("http");
    assertThat(client.baseUrl("build:5000").scheme()).isEqualTo("http");
    assertThat(client.baseUrl("registry.example.com").scheme()).isEqualTo("https");
  }

  @Test
  void challengeParserKeepsCommasInsideQuotes() {
    AuthChallenge challenge =
        AuthChallenge.parse(
                "Bearer realm=\"https://auth.example/token\",service=\"reg\","
                    + "scope=\"repository:a/b:pull,push\"")
            .orElseThrow();

    assertThat(challenge.isBearer()).isTrue();
    assertThat(challenge.param("realm")).contains("https://auth.example/token");
    assertThat(challenge.param("service")).contains("reg");
    assertThat(challenge.param("scope")).contains("repository:a/b:pull,push");
  }

  /**
   * A registry behind token auth, as distribution's token spec describes: manifests answer 401 with
   * a Bearer challenge until a request carries the token the realm handed out for the login.
   */
  private final class TokenRegistry extends Dispatcher {
    private final String tokenField;

    TokenRegistry(String tokenField) {
      this.tokenField = tokenField;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getUrl().encodedPath();
      String auth = request.getHeaders().get("Authorization");
      if (path.equals("/token")) {
        if (!Credentials.basic("ci", "s3cret").equals(auth)) {
          return new MockResponse.Builder().code(401).build();
        }
        return new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"" + tokenField + "\": \"t0k3n\", \"expires_in\": 300}")
            .build();
      }
      if (path.startsWith("/v2/billing/manifests/")) {
        if (!"Bearer t0k3n".equals(auth)) {
          return new MockResponse.Builder()
              .code(401)
              .addHeader(
                  "WWW-Authenticate",
                  "Bearer realm=\"http://127.0.0.1:"
                      + server.getPort()
                      + "/token\",service=\"test-registry\","
                      + "scope=\"repository:billing:pull,push\"")
              .build();
        }
        return new MockResponse.Builder()
            .code(200)
            .addHeader("Docker-Content-Digest", DIGEST)
            .build();
      }
      return new MockResponse.Builder().code(404).build();
    }
  }
}
