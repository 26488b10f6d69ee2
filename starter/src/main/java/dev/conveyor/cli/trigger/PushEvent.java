package dev.conveyor.cli.trigger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The parts of a push webhook payload Conveyor uses. Parsed only after the request's signature
 * checked out.
 *
 * @param repository the repository's full name ({@code owner/name}, GitLab {@code group/project})
 * @param update the ref, its previous and its new commit
 * @param pusher who pushed, as the server names them ({@code unknown} when absent)
 */
record PushEvent(String repository, RefUpdate update, String pusher) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The payload is not JSON or lacks a field Conveyor needs; the message says which. */
  static final class BadPayload extends Exception {
    BadPayload(String message) {
      super(message);
    }
  }

  static PushEvent parse(GitServer server, byte[] body) throws BadPayload {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadPayload("body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadPayload("body cannot be read as JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new BadPayload("body is not a JSON object");
    }
    String repository =
        text(
            root.path(server.repositoryObject()),
            server.repositoryField(),
            server.repositoryObject() + "." + server.repositoryField());
    String ref = text(root, "ref", "ref");
    String before = text(root, "before", "before");
    String after = text(root, "after", "after");
    RefUpdate update = new RefUpdate(before, after, ref);
    if (!update.wellFormed()) {
      throw new BadPayload("before/after are not commit ids: '" + before + "', '" + after + "'");
    }
    JsonNode pusherNode = server.pusherObject() == null ? root : root.path(server.pusherObject());
    String pusher = pusherNode.path(server.pusherField()).asText("");
    return new PushEvent(repository, update, pusher.isBlank() ? "unknown" : pusher);
  }

  private static String text(JsonNode node, String field, String path) throws BadPayload {
    JsonNode value = node.path(field);
    if (!value.isTextual() || value.asText().isBlank()) {
      throw new BadPayload("payload has no " + path);
    }
    return value.asText();
  }
}
