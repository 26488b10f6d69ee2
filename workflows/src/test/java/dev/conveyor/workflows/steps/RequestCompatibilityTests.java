package dev.conveyor.workflows.steps;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitRequest;
import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.EncodingKeys;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Requests recorded in histories before jobs existed have no {@code kind}: they must still read, as
 * services, and new requests must carry their kind through Temporal's payload converter.
 */
class RequestCompatibilityTests {
  private static final DataConverter CONVERTER = DefaultDataConverter.newDefaultInstance();

  private static <T> T read(String json, Class<T> type) {
    Payload payload =
        Payload.newBuilder()
            .putMetadata(
                EncodingKeys.METADATA_ENCODING_KEY,
                ByteString.copyFrom("json/plain", StandardCharsets.UTF_8))
            .setData(ByteString.copyFrom(json, StandardCharsets.UTF_8))
            .build();
    return CONVERTER.fromPayload(payload, type, type);
  }

  @Test
  void aKvRequestWithoutKindReadsAsAService() {
    KvRequest request =
        read(
            "{\"consulUrl\":null,\"env\":\"qa\",\"service\":\"billing\","
                + "\"pinnedImage\":\"r/billing@sha256:ab\",\"commit\":\"0123\"}",
            KvRequest.class);

    assertThat(request)
        .isEqualTo(new KvRequest(null, "qa", "billing", "r/billing@sha256:ab", "0123"));
    assertThat(request.kind()).isEqualTo(WorkloadKind.SERVICE);
  }

  @Test
  void aConfigCommitRequestWithoutKindReadsAsAService() {
    ConfigCommitRequest request =
        read(
            "{\"definitions\":\"/defs\",\"env\":\"qa\",\"service\":\"billing\","
                + "\"appFile\":\"marathon/billing.json\",\"appId\":\"/billing\","
                + "\"pinnedImage\":\"i\",\"commit\":\"c\",\"workflowId\":\"w\","
                + "\"requestedBy\":\"alice\"}",
            ConfigCommitRequest.class);

    assertThat(request.kind()).isEqualTo(WorkloadKind.SERVICE);
    assertThat(request.appFile()).isEqualTo("marathon/billing.json");
  }

  @Test
  void aJobsKindSurvivesTheRoundTrip() {
    KvRequest job = new KvRequest(null, "qa", "report", "i", "c", WorkloadKind.JOB);
    Optional<Payload> payload = CONVERTER.toPayload(job);

    assertThat(payload).isPresent();
    assertThat(payload.get().getData().toStringUtf8()).contains("\"kind\":\"JOB\"");
    assertThat(CONVERTER.fromPayload(payload.get(), KvRequest.class, KvRequest.class))
        .isEqualTo(job);
  }
}
