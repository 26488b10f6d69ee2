package dev.conveyor.worker;

import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code conveyor.worker.codec.key}: when set, the worker's Temporal client and workers use a data
 * converter that encrypts every payload with {@link AesGcmPayloadCodec}, failure messages and stack
 * traces included (Temporal moves them into an encoded payload). The bean is named {@code
 * mainDataConverter}, the name temporal-spring-boot-starter looks for. Search attributes stay
 * readable: Temporal must index them.
 *
 * <p>Anything else that reads these workflows (the CLI, the Temporal UI through a codec server)
 * needs the same key; without it they see {@code binary/encrypted} payloads.
 */
@Configuration(proxyBeanMethods = false)
class PayloadEncryption {
  private static final Logger log = LoggerFactory.getLogger(PayloadEncryption.class);

  @Bean
  @ConditionalOnProperty(prefix = "conveyor.worker.codec", name = "key")
  DataConverter mainDataConverter(WorkerProperties properties) {
    WorkerProperties.Codec codec = properties.codec();
    byte[] key;
    try {
      key = Base64.getDecoder().decode(codec.key().strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "conveyor.worker.codec.key is not base64 (generate one with `openssl rand -base64 32`)");
    }
    AesGcmPayloadCodec aes;
    try {
      aes = new AesGcmPayloadCodec(codec.keyId(), key);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("conveyor.worker.codec.key: " + e.getMessage());
    }
    log.info("payloads are encrypted with AES-GCM, key id {}", codec.keyId());
    return new CodecDataConverter(DefaultDataConverter.STANDARD_INSTANCE, List.of(aes), true);
  }
}
