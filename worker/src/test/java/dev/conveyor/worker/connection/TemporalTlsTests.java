package dev.conveyor.worker.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.worker.StartupFailure;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.spring.boot.autoconfigure.properties.ConnectionProperties;
import io.temporal.spring.boot.autoconfigure.template.ServiceStubOptionsTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to a Temporal frontend signed by a private CA, with a client certificate (mTLS), against a
 * real TLS gRPC server that requires the client certificate. Certificates are made with the JDK's
 * keytool: a CA, a server certificate for localhost and a client certificate, both signed by it.
 * The client side is built exactly as the worker builds it: the starter's own options template,
 * from {@code spring.temporal.connection.*}, then Conveyor's customizer.
 */
class TemporalTlsTests {
  private static final String PASSWORD = "changeit";

  @TempDir static Path dir;
  private static Server server;
  private final List<io.temporal.serviceclient.WorkflowServiceStubs> stubs = new ArrayList<>();

  /** Certificates take a dozen keytool runs: made once for all tests. */
  @BeforeAll
  static void startTlsServer() throws Exception {
    keytool("-genkeypair", "-alias", "ca", "-dname", "CN=Conveyor Test CA", "-ext", "bc:c")
        .keystore("ca.p12");
    keytool("-exportcert", "-rfc", "-alias", "ca", "-file", "ca.pem").keystore("ca.p12");
    signedKeyPair("server", "CN=localhost", "san=dns:localhost,ip:127.0.0.1", "serverAuth");
    signedKeyPair("client", "CN=conveyor-worker", null, "clientAuth");

    KeyManagerFactory serverKeys = KeyManagerFactory.getInstance("PKIX");
    KeyStore serverStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      serverStore.load(in, PASSWORD.toCharArray());
    }
    serverKeys.init(serverStore, PASSWORD.toCharArray());
    server =
        NettyServerBuilder.forPort(0)
            .sslContext(
                GrpcSslContexts.configure(SslContextBuilder.forServer(serverKeys))
                    .trustManager(dir.resolve("ca.pem").toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build())
            .addService(
                new WorkflowServiceGrpc.WorkflowServiceImplBase() {
                  @Override
                  public void getSystemInfo(
                      GetSystemInfoRequest request,
                      StreamObserver<GetSystemInfoResponse> response) {
                    response.onNext(
                        GetSystemInfoResponse.newBuilder().setServerVersion("tls-test").build());
                    response.onCompleted();
                  }
                })
            .build()
            .start();
  }

  @AfterEach
  void closeClients() {
    stubs.forEach(io.temporal.serviceclient.WorkflowServiceStubs::shutdownNow);
  }

  @AfterAll
  static void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void connectsWithThePrivateCaAndTheClientCertificate() {
    WorkflowServiceStubsOptions options =
        options(clientCertificate(), new TemporalTls(dir.resolve("ca.pem"), clientCertificate()));

    assertThat(systemInfo(options).getServerVersion()).isEqualTo("tls-test");
  }

  @Test
  void withoutThePrivateCaTheServerCertificateIsNotTrusted() {
    WorkflowServiceStubsOptions options = options(clientCertificate(), stubs -> stubs);

    assertThatThrownBy(() -> systemInfo(options))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("UNAVAILABLE");
  }

  @Test
  void withoutTheClientCertificateTheServerRefusesTheConnection() {
    ConnectionProperties noClientCertificate = new ConnectionProperties(target(), null, null, null);
    WorkflowServiceStubsOptions options =
        options(noClientCertificate, new TemporalTls(dir.resolve("ca.pem"), noClientCertificate));

    assertThatThrownBy(() -> systemInfo(options)).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void aCaFileThatIsNotPemStopsTheWorkerNamingTheProperty() throws IOException {
    Path notPem = Files.writeString(dir.resolve("ca.txt"), "not a certificate");

    assertThatThrownBy(
            () ->
                new TemporalTls(notPem, clientCertificate())
                    .customize(WorkflowServiceStubsOptions.newBuilder()))
        .isInstanceOf(StartupFailure.class)
        .hasMessageStartingWith(
            "cannot set up TLS to Temporal with conveyor.worker.temporal.server-ca-file=" + notPem);
  }

  private static ConnectionProperties clientCertificate() {
    return new ConnectionProperties(
        target(),
        null,
        new ConnectionProperties.MTLSProperties(
            12, null, null, dir.resolve("client.p12").toString(), null, PASSWORD, null, null),
        null);
  }

  private static String target() {
    return "localhost:" + server.getPort();
  }

  private static WorkflowServiceStubsOptions options(
      ConnectionProperties connection,
      TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> customizer) {
    return new ServiceStubOptionsTemplate(connection, null, List.of(customizer), List.of())
        .createServiceStubOptions();
  }

  private GetSystemInfoResponse systemInfo(WorkflowServiceStubsOptions options) {
    io.temporal.serviceclient.WorkflowServiceStubs service =
        io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(options);
    stubs.add(service);
    return service
        .blockingStub()
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
  }

  /** A key pair in {@code <name>.p12} whose certificate the test CA signed. */
  private static void signedKeyPair(String name, String dname, String san, String usage)
      throws Exception {
    String store = name + ".p12";
    keytool("-genkeypair", "-alias", name, "-dname", dname).keystore(store);
    keytool("-certreq", "-alias", name, "-file", name + ".csr").keystore(store);
    List<String> sign =
        new ArrayList<>(
            List.of(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-infile",
                name + ".csr",
                "-outfile",
                name + ".pem",
                "-ext",
                "eku=" + usage));
    if (san != null) {
      sign.addAll(List.of("-ext", san));
    }
    keytool(sign.toArray(String[]::new)).keystore("ca.p12");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem").keystore(store);
    keytool("-importcert", "-alias", name, "-file", name + ".pem").keystore(store);
  }

  private static Keytool keytool(String... args) {
    return new Keytool(dir, List.of(args));
  }

  private record Keytool(Path dir, List<String> args) {
    void keystore(String store) throws Exception {
      List<String> command =
          new ArrayList<>(
              List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
      command.addAll(args);
      if (args.get(0).equals("-genkeypair")) {
        command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2"));
      }
      command.addAll(List.of("-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD));
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(command + " failed: " + output);
      }
    }
  }
}
