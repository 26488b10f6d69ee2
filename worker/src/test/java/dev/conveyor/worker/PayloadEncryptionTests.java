package dev.conveyor.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.worker.testing.RunningWorker;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import io.temporal.api.common.v1.Payload;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.payload.codec.PayloadCodecException;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code conveyor.worker.codec.key}: workflows run as before, and what Temporal stores is
 * unreadable without the key.
 */
class PayloadEncryptionTests {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final byte[] key = randomKey();

  @Test
  void aPayloadComesBackAsItWasAndIsUnreadableOnTheWay() {
    AesGcmPayloadCodec codec = new AesGcmPayloadCodec("k1", key);
    Payload plain = json("{\"service\":\"billing\"}");

    Payload sealed = codec.encode(List.of(plain)).get(0);

    assertThat(sealed.getMetadataMap().get("encoding").toStringUtf8())
        .isEqualTo("binary/encrypted");
    assertThat(sealed.getMetadataMap().get(AesGcmPayloadCodec.KEY_ID).toStringUtf8())
        .isEqualTo("k1");
    assertThat(sealed.getData().toStringUtf8()).doesNotContain("billing").doesNotContain("json");
    assertThat(codec.encode(List.of(plain)).get(0).getData())
        .as("a fresh nonce each time")
        .isNotEqualTo(sealed.getData());
    assertThat(codec.decode(List.of(sealed))).containsExactly(plain);
    assertThat(codec.decode(List.of(plain))).as("unencrypted payloads pass").containsExactly(plain);
  }

  @Test
  void anotherKeyIdOrAnotherKeyOrATamperedPayloadIsRefused() {
    Payload sealed = new AesGcmPayloadCodec("k1", key).encode(List.of(json("{}"))).get(0);

    assertThatThrownBy(() -> new AesGcmPayloadCodec("k2", key).decode(List.of(sealed)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessage(
            "a payload is encrypted with key id 'k1' but this process has key id 'k2'"
                + " (conveyor.worker.codec.key-id): give it that key");
    assertThatThrownBy(() -> new AesGcmPayloadCodec("k1", randomKey()).decode(List.of(sealed)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageStartingWith("cannot decrypt a payload of key id 'k1'");
    byte[] data = sealed.getData().toByteArray();
    data[data.length - 1] ^= 1;
    Payload tampered = sealed.toBuilder().setData(ByteString.copyFrom(data)).build();
    assertThatThrownBy(() -> new AesGcmPayloadCodec("k1", key).decode(List.of(tampered)))
        .isInstanceOf(PayloadCodecException.class);
  }

  @Test
  @Timeout(60)
  void workflowsRunWithTheKeyAndTheirHistoryIsUnreadableWithoutIt(
      @TempDir Path data, @TempDir Path repos) throws Exception {
    Path config =
        SourceRepos.bareWithCommit(
                repos.resolve("config.git"),
                Map.of(
                    "conveyor.yaml",
                    RepoFile.text(
                        String.join(
                            "\n",
                            "version: 1",
                            "environments:",
                            "  qa:",
                            "    target: dockr",
                            "services:",
                            "  accounts:",
                            "    repo: ../accounts.git",
                            ""))))
            .path();
    String validatorLine = "unknown target 'dockr' in environments.qa";
    String id = WorkflowIds.deployment("qa", "accounts", COMMIT);
    try (RunningWorker worker =
        RunningWorker.start(
            data,
            "--conveyor.worker.codec.key=" + Base64.getEncoder().encodeToString(key),
            "--conveyor.worker.codec.key-id=test-key")) {
      WorkflowClient client = worker.client();
      ServiceDeploymentWorkflow deployment =
          client.newWorkflowStub(
              ServiceDeploymentWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(id)
                  .setTaskQueue(TaskQueues.CONTROL)
                  .setWorkflowExecutionTimeout(Duration.ofSeconds(50))
                  .build());
      WorkflowClient.start(
          deployment::deploy,
          new DeployRequest(config.toString(), "qa", "accounts", COMMIT, "codec-test", false));

      // with the key: the workflow ran its activity and reports as always
      WorkflowFailedException failed =
          catchThrowableOfType(
              WorkflowFailedException.class,
              () -> WorkflowStub.fromTyped(deployment).getResult(Object.class));
      assertThat(((ApplicationFailure) failed.getCause()).getOriginalMessage())
          .startsWith("deployment failed at step resolve: ")
          .contains(validatorLine);
      DeployStatus status = client.newWorkflowStub(ServiceDeploymentWorkflow.class, id).status();
      assertThat(status.outcome()).isEqualTo("FAILED");

      // without the key: every payload is sealed, and nothing of the deployment shows
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(worker.target()).build());
      try {
        String history = WorkflowClient.newInstance(service).fetchHistory(id).toJson(true);
        List<JsonNode> payloads = new ArrayList<>();
        collectPayloads(JSON.readTree(history), payloads);
        assertThat(payloads)
            .as("the request and the resolve input at least")
            .hasSizeGreaterThanOrEqualTo(2);
        for (JsonNode payload : payloads) {
          JsonNode metadata = payload.path("metadata");
          assertThat(decoded(metadata.path("encoding").asText())).isEqualTo("binary/encrypted");
          assertThat(decoded(metadata.path(AesGcmPayloadCodec.KEY_ID).asText()))
              .isEqualTo("test-key");
          assertThat(decoded(payload.path("data").asText()))
              .doesNotContain("accounts")
              .doesNotContain(config.toString());
        }
        assertThat(history)
            .doesNotContain(validatorLine)
            .doesNotContain(config.toString())
            .doesNotContain("codec-test");
      } finally {
        service.shutdownNow();
      }
    }
  }

  /**
   * Every payload ({@code metadata} + {@code data}) outside search attributes, which stay plain.
   */
  /**
   * Every payload of a history but search attributes and the SDK's version markers: both are
   * written by Temporal's own converter in plain JSON by design, and hold only names (a search
   * attribute's value, a change id such as "service-lane"), never workflow data.
   */
  private static void collectPayloads(JsonNode node, List<JsonNode> out) {
    if (node.isObject()) {
      if ("Version".equals(node.path("markerName").asText())) {
        return;
      }
      if (node.has("metadata") && node.has("data")) {
        out.add(node);
        return;
      }
      node.fields()
          .forEachRemaining(
              field -> {
                if (!field.getKey().equals("searchAttributes")) {
                  collectPayloads(field.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(child -> collectPayloads(child, out));
    }
  }

  private static String decoded(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.ISO_8859_1);
  }

  private static Payload json(String text) {
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(text))
        .build();
  }

  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }
}
