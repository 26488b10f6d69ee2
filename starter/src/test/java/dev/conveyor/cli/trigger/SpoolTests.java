package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.StartOutcome;
import dev.conveyor.cli.Target;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTests {
  @TempDir Path dir;

  static PendingStart start(String commitDigit) {
    return new PendingStart(
        Target.service("billing"), "qa", commitDigit.repeat(40), "/srv/config", "hook:alice");
  }

  @Test
  void entriesSurviveInTheOrderTheyWereSpooled() {
    Spool spool = new Spool(dir.resolve("spool.jsonl"));
    spool.add(List.of(start("1")));
    spool.add(List.of(start("2"), start("3")));

    assertThat(new Spool(dir.resolve("spool.jsonl")).entries())
        .containsExactly(start("1"), start("2"), start("3"));
  }

  @Test
  void aFlushStartsEachEntryOnceAndRemovesTheFile() {
    Spool spool = new Spool(dir.resolve("spool.jsonl"));
    spool.add(List.of(start("1"), start("2")));
    List<PendingStart> asked = new ArrayList<>();
    Function<PendingStart, StartOutcome> starter =
        entry -> {
          asked.add(entry);
          return StartOutcome.started("deploy/qa/billing/" + entry.commit().substring(0, 12));
        };

    Spool.FlushResult first = spool.flush(starter);
    Spool.FlushResult second = spool.flush(starter);

    assertThat(first.started()).hasSize(2);
    assertThat(second.started()).isEmpty();
    assertThat(asked).containsExactly(start("1"), start("2"));
    assertThat(dir.resolve("spool.jsonl")).doesNotExist();
  }

  @Test
  void whenTemporalIsUnreachableTheFlushStopsAndKeepsEverythingInOrder() {
    Spool spool = new Spool(dir.resolve("spool.jsonl"));
    spool.add(List.of(start("1"), start("2"), start("3")));
    List<PendingStart> asked = new ArrayList<>();

    Spool.FlushResult result =
        spool.flush(
            entry -> {
              asked.add(entry);
              if (entry.equals(start("1"))) {
                return StartOutcome.existing("deploy/qa/billing/111111111111", "RUNNING");
              }
              throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription("down"));
            });

    assertThat(asked).containsExactly(start("1"), start("2"));
    assertThat(result.started())
        .extracting(StartOutcome::describe)
        .containsExactly("deploy/qa/billing/111111111111 already running");
    assertThat(result.kept())
        .extracting(Spool.Kept::reason)
        .containsExactly("UNAVAILABLE: down", "not tried: Temporal unreachable");
    assertThat(spool.entries()).containsExactly(start("2"), start("3"));
  }

  @Test
  void aRefusedStartStaysSpooledAndTheRestAreStillTried() {
    Spool spool = new Spool(dir.resolve("spool.jsonl"));
    spool.add(List.of(start("1"), start("2")));

    Spool.FlushResult result =
        spool.flush(
            entry -> {
              if (entry.equals(start("1"))) {
                throw new StatusRuntimeException(
                    Status.INVALID_ARGUMENT.withDescription("search attribute not registered"));
              }
              return StartOutcome.started("deploy/qa/billing/222222222222");
            });

    assertThat(result.started()).hasSize(1);
    assertThat(spool.entries()).containsExactly(start("1"));
  }

  @Test
  void savedRefLinesBecomeSpooledStartsOnce() throws Exception {
    Spool spool = new Spool(dir.resolve("spool.jsonl"));
    Path saved = Files.writeString(dir.resolve("saved.refs"), "line one\nline two\n");

    List<String> taken = spool.absorb(saved, lines -> List.of(start("1")));
    List<String> again = spool.absorb(saved, lines -> List.of(start("2")));

    assertThat(taken).containsExactly("line one", "line two");
    assertThat(again).isEmpty();
    assertThat(saved).doesNotExist();
    assertThat(spool.entries()).containsExactly(start("1"));
  }
}
