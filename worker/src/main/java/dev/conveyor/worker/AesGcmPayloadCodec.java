package dev.conveyor.worker;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts each payload whole (metadata and data, as the serialized {@link Payload}) with AES-GCM
 * under one key: a fresh 12-byte nonce per payload, a 128-bit tag, the key id as additional
 * authenticated data. The encrypted payload says {@code encoding: binary/encrypted} and carries the
 * key id in its metadata. Decoding leaves unencrypted payloads alone (histories from before
 * encryption was turned on stay readable) and refuses payloads of another key id by name.
 */
final class AesGcmPayloadCodec implements PayloadCodec {
  static final String ENCODING = "binary/encrypted";
  static final String KEY_ID = "encryption-key-id";
  static final String CIPHER = "encryption-cipher";

  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final String keyId;
  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  AesGcmPayloadCodec(String keyId, byte[] key) {
    if (keyId == null || keyId.isBlank()) {
      throw new IllegalArgumentException("the payload key needs a key id");
    }
    if (key.length != 16 && key.length != 24 && key.length != 32) {
      throw new IllegalArgumentException(
          "an AES key has 16, 24 or 32 bytes, this one has " + key.length);
    }
    this.keyId = keyId;
    this.key = new SecretKeySpec(key, "AES");
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    return payloads.stream().map(this::encrypt).toList();
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    return payloads.stream().map(this::decrypt).toList();
  }

  private Payload encrypt(Payload payload) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(payload.toByteArray());
      return Payload.newBuilder()
          .putMetadata("encoding", ByteString.copyFromUtf8(ENCODING))
          .putMetadata(KEY_ID, ByteString.copyFromUtf8(keyId))
          .putMetadata(CIPHER, ByteString.copyFromUtf8(TRANSFORMATION))
          .setData(ByteString.copyFrom(nonce).concat(ByteString.copyFrom(sealed)))
          .build();
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException("cannot encrypt a payload: " + e.getMessage(), e);
    }
  }

  private Payload decrypt(Payload payload) {
    ByteString encoding = payload.getMetadataMap().get("encoding");
    if (encoding == null || !encoding.toStringUtf8().equals(ENCODING)) {
      return payload;
    }
    ByteString id = payload.getMetadataMap().get(KEY_ID);
    String theirs = id == null ? "(none)" : id.toStringUtf8();
    if (!keyId.equals(theirs)) {
      throw new PayloadCodecException(
          "a payload is encrypted with key id '"
              + theirs
              + "' but this process has key id '"
              + keyId
              + "' (conveyor.worker.codec.key-id): give it that key");
    }
    byte[] data = payload.getData().toByteArray();
    if (data.length <= NONCE_BYTES) {
      throw new PayloadCodecException("an encrypted payload is too short to hold a nonce");
    }
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(
          Cipher.DECRYPT_MODE,
          key,
          new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(data, 0, NONCE_BYTES)));
      cipher.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
      byte[] plain = cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
      return Payload.parseFrom(plain);
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException(
          "cannot decrypt a payload of key id '"
              + keyId
              + "': the key differs from the one that encrypted it, or the payload was altered",
          e);
    } catch (InvalidProtocolBufferException e) {
      throw new PayloadCodecException("a decrypted payload is not a payload", e);
    }
  }

  /** Never prints the key. */
  @Override
  public String toString() {
    return "AesGcmPayloadCodec[keyId=" + keyId + "]";
  }
}
