package dev.conveyor.activities.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.activities.simulators.ConsulSimulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConsulKvStoreTests {
  private static final String KEY = "conveyor/prod/billing/image";

  private final ConsulSimulator consul = ConsulSimulator.start();
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    consul.close();
  }

  private ConsulKvStore store(String token) {
    return new ConsulKvStore(HttpUrl.get(consul.url()), http, token);
  }

  @Test
  void absentKeyReadsAsEmpty() {
    assertThat(store(null).get(KEY)).isEmpty();
  }

  @Test
  void casZeroCreatesOnlyWhenAbsent() {
    ConsulKvStore store = store(null);

    assertThat(store.compareAndSet(KEY, "repo@sha256:aa", 0)).isTrue();
    assertThat(store.compareAndSet(KEY, "repo@sha256:bb", 0)).isFalse();

    assertThat(consul.value(KEY)).contains("repo@sha256:aa");
  }

  @Test
  void readReturnsTheDecodedValueAndConsulsModifyIndex() {
    consul.put(KEY, "registry:5000/billing@sha256:ünïcode");

    KvStore.Entry entry = store(null).get(KEY).orElseThrow();

    assertThat(entry.value()).isEqualTo("registry:5000/billing@sha256:ünïcode");
    assertThat(entry.modifyIndex()).isEqualTo(consul.modifyIndex(KEY)).isPositive();
  }

  @Test
  void staleIndexIsALostRaceAnsweredFalseNotAnError() {
    ConsulKvStore store = store(null);
    store.compareAndSet(KEY, "a", 0);
    long index = store.get(KEY).orElseThrow().modifyIndex();
    consul.put(KEY, "someone else");

    assertThat(store.compareAndSet(KEY, "b", index)).isFalse();
    long now = store.get(KEY).orElseThrow().modifyIndex();
    assertThat(now).isGreaterThan(index);
    assertThat(store.compareAndSet(KEY, "b", now)).isTrue();
    assertThat(consul.value(KEY)).contains("b");
  }

  @Test
  void writesSendTheRawValueWithTheCasParameter() throws Exception {
    store(null).compareAndSet(KEY, "raw value", 0);

    RecordedRequest put =
        consul.requests().stream().filter(r -> r.getMethod().equals("PUT")).findFirst().get();
    assertThat(put.getUrl().encodedPath()).isEqualTo("/v1/kv/" + KEY);
    assertThat(put.getUrl().queryParameter("cas")).isEqualTo("0");
    assertThat(put.getBody().utf8()).isEqualTo("raw value");
  }

  @Test
  void guardedWriteIsOneTransactionAppliedAllOrNothing() {
    ConsulKvStore store = store(null);
    Map<String, String> alongside = new LinkedHashMap<>();
    alongside.put("conveyor/prod/billing/commit", "abc");
    alongside.put("conveyor/prod/billing/previous", null);

    assertThat(store.compareAndSetWith(KEY, "img1", 0, alongside)).isTrue();
    assertThat(consul.value("conveyor/prod/billing/commit")).contains("abc");
    assertThat(consul.modifyIndex("conveyor/prod/billing/commit"))
        .isEqualTo(consul.modifyIndex(KEY));

    long stale = consul.modifyIndex(KEY);
    consul.put(KEY, "img-other");
    alongside.put("conveyor/prod/billing/commit", "def");
    assertThat(store.compareAndSetWith(KEY, "img2", stale, alongside)).isFalse();
    assertThat(consul.value("conveyor/prod/billing/commit")).as("rolled back").contains("abc");
    assertThat(consul.count("PUT", "/v1/txn")).isEqualTo(2);
  }

  @Test
  void withoutTheRequiredTokenConsulAnswers403() {
    consul.requireToken("s3cret");

    assertThatThrownBy(() -> store(null).get(KEY))
        .isInstanceOfSatisfying(ConsulException.class, e -> assertThat(e.unauthorized()).isTrue())
        .hasMessageContaining("403")
        .hasMessageContaining("Permission denied");
  }

  @Test
  void theTokenTravelsInTheConsulHeader() {
    consul.requireToken("s3cret");

    assertThat(store("s3cret").compareAndSet(KEY, "v", 0)).isTrue();

    assertThat(consul.requests().get(0).getHeaders().get("X-Consul-Token")).isEqualTo("s3cret");
  }

  @Test
  void serverErrorsAreTransientAndCarryTheStatus() {
    consul.failNext(1);

    assertThatThrownBy(() -> store(null).get(KEY))
        .isInstanceOfSatisfying(
            ConsulException.class,
            e -> {
              assertThat(e.status()).isEqualTo(500);
              assertThat(e.unauthorized()).isFalse();
              assertThat(e.rejected()).isFalse();
            })
        .hasMessageContaining("No cluster leader");
    assertThat(store(null).get(KEY)).isEmpty();
  }

  @Test
  void anUnreachableConsulIsTransientWithStatusZero() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    ConsulKvStore store =
        new ConsulKvStore(HttpUrl.get("http://127.0.0.1:" + closedPort), http, null);

    assertThatThrownBy(() -> store.compareAndSet(KEY, "v", 0))
        .isInstanceOfSatisfying(ConsulException.class, e -> assertThat(e.status()).isZero())
        .hasMessageContaining("did not answer");
  }

  @Test
  void aConsulThatStallsTimesOutAsTransient() throws Exception {
    try (MockWebServer slow = new MockWebServer()) {
      slow.enqueue(
          new MockResponse.Builder()
              .code(200)
              .body("[]")
              .headersDelay(2, TimeUnit.SECONDS)
              .build());
      slow.start(InetAddress.getLoopbackAddress(), 0);
      OkHttpClient quick = new OkHttpClient.Builder().callTimeout(Duration.ofMillis(300)).build();
      ConsulKvStore store = new ConsulKvStore(slow.url("/"), quick, null);

      assertThatThrownBy(() -> store.get(KEY))
          .isInstanceOfSatisfying(ConsulException.class, e -> assertThat(e.status()).isZero())
          .hasMessageContaining("did not answer");
    }
  }
}
