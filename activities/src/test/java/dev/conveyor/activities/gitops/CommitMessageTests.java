package dev.conveyor.activities.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommitMessageTests {
  @Test
  void formatsSubjectBlankLineAndOneTrailerPerLine() {
    Map<String, String> trailers = new LinkedHashMap<>();
    trailers.put(CommitMessage.WORKFLOW_ID, "deploy/qa/accounts/0123456789ab");
    trailers.put(CommitMessage.REQUESTED_BY, "alice\nConveyor-Image: forged");

    String message = CommitMessage.format("deploy accounts 0123456789ab to qa", trailers);

    assertThat(message)
        .isEqualTo(
            "deploy accounts 0123456789ab to qa\n\n"
                + "Conveyor-Workflow-Id: deploy/qa/accounts/0123456789ab\n"
                + "Conveyor-Requested-By: alice Conveyor-Image: forged\n");
    assertThat(CommitMessage.parseTrailers(message))
        .containsExactly(
            Map.entry(CommitMessage.WORKFLOW_ID, "deploy/qa/accounts/0123456789ab"),
            Map.entry(CommitMessage.REQUESTED_BY, "alice Conveyor-Image: forged"));
  }

  @Test
  void readsOnlyTheLastParagraphAsTrailers() {
    String message =
        "deploy accounts 1 to qa\n\nConveyor-Workflow-Id: in the body\n\nSigned-off-by: Bob\n";

    assertThat(CommitMessage.parseTrailers(message))
        .containsExactly(Map.entry("Signed-off-by", "Bob"));
  }

  @Test
  void lastParagraphOfProseHasNoTrailers() {
    assertThat(CommitMessage.parseTrailers("fix\n\nThis explains: why.\nAnd more prose.\n"))
        .isEmpty();
    assertThat(CommitMessage.parseTrailers("Conveyor-Workflow-Id: subject only")).isEmpty();
  }
}
