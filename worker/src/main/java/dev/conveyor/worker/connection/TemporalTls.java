package dev.conveyor.worker.connection;

import dev.conveyor.worker.StartupFailure;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.spring.boot.autoconfigure.properties.ConnectionProperties;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to a Temporal frontend whose certificate a private CA signed ({@code
 * conveyor.worker.temporal.server-ca-file}). The starter's {@code
 * spring.temporal.connection.mtls.*} covers the client certificate but trusts only the JVM's CAs,
 * so when a CA file is set this customizer builds the whole TLS context: that CA as the only trust
 * anchor, plus the client certificate and key from the same {@code mtls.*} properties when they are
 * set. Runs after the starter has applied its own properties.
 */
final class TemporalTls implements TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> {
  private final Path caFile;
  private final ConnectionProperties connection;

  TemporalTls(Path caFile, ConnectionProperties connection) {
    this.caFile = caFile;
    this.connection = connection;
  }

  @Override
  public WorkflowServiceStubsOptions.Builder customize(WorkflowServiceStubsOptions.Builder stubs) {
    ConnectionProperties.MTLSProperties mtls = connection.getMTLS();
    try {
      SimpleSslContextBuilder ssl = clientIdentity(mtls);
      ssl.setTrustManager(trustManagerFactory(caFile).getTrustManagers()[0]);
      if (mtls != null && mtls.getKeyPassword() != null) {
        ssl.setKeyPassword(mtls.getKeyPassword());
      }
      stubs.setSslContext(ssl.build());
    } catch (IOException | GeneralSecurityException e) {
      throw new StartupFailure(
          "cannot set up TLS to Temporal with conveyor.worker.temporal.server-ca-file="
              + caFile
              + " ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + "); it must be a readable PEM file of the CA certificate(s), and the"
              + " spring.temporal.connection.mtls key and certificate files readable",
          e);
    }
    if (mtls != null && mtls.getServerName() != null) {
      String serverName = mtls.getServerName();
      stubs.setChannelInitializer(channel -> channel.overrideAuthority(serverName));
    }
    return stubs;
  }

  /**
   * The client certificate from {@code mtls.*} (PKCS8 key + chain, or a PKCS12 file), or none. The
   * files are read into memory: the builder reads its streams only when it builds.
   */
  private static SimpleSslContextBuilder clientIdentity(ConnectionProperties.MTLSProperties mtls)
      throws IOException {
    if (mtls == null || mtls.getKeyFile() == null) {
      return SimpleSslContextBuilder.noKeyOrCertChain();
    }
    InputStream key = new ByteArrayInputStream(Files.readAllBytes(Path.of(mtls.getKeyFile())));
    if (mtls.getCertChainFile() == null) {
      return SimpleSslContextBuilder.forPKCS12(key);
    }
    InputStream chain =
        new ByteArrayInputStream(Files.readAllBytes(Path.of(mtls.getCertChainFile())));
    return SimpleSslContextBuilder.forPKCS8(chain, key);
  }

  static TrustManagerFactory trustManagerFactory(Path pem)
      throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new GeneralSecurityException("no certificate in the file");
      }
      int i = 0;
      for (Certificate certificate : certificates) {
        trust.setCertificateEntry("temporal-ca-" + i++, certificate);
      }
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    return factory;
  }
}
