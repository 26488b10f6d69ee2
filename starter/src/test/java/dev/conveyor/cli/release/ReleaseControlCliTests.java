package dev.conveyor.cli.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.ConveyorCliTests;
import dev.conveyor.workflows.release.JobRelease;
import dev.conveyor.workflows.release.ReleaseStatus;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code release} adds for jobs and operator control: {@code --bake}, jobs and rollbacks. */
class ReleaseControlCliTests {

  @Test
  void bakeDurationsAreSecondsMinutesOrHours() {
    assertThat(ReleaseCommand.seconds("90s")).isEqualTo(90);
    assertThat(ReleaseCommand.seconds("15m")).isEqualTo(900);
    assertThat(ReleaseCommand.seconds("1h")).isEqualTo(3600);
    assertThat(ReleaseCommand.seconds("0")).isZero();
    assertThatThrownBy(() -> ReleaseCommand.seconds("15 minutes"))
        .hasMessage("'15 minutes' is not a duration: write a number with s, m or h (e.g. 15m)");
  }

  @Test
  void aBadBakeIsAUsageError() {
    ConveyorCliTests.Run run =
        ConveyorCliTests.cli("release", "--stack", "s", "--env", "qa", "--bake", "soon");

    assertThat(run.exitCode()).isEqualTo(ConveyorCli.USAGE);
    assertThat(run.err())
        .contains("conveyor release: --bake 'soon' is not a duration: write a number with s, m");
  }

  @Test
  void theViewShowsJobsAfterTheServicesAndEachRollback() {
    StringWriter text = new StringWriter();
    ReleaseView view = new ReleaseView(new PrintWriter(text), false);
    ServiceRelease billing =
        new ServiceRelease(
            "billing",
            "c",
            List.of(),
            List.of(),
            ServiceState.ROLLED_BACK,
            "rolled back to old",
            "deploy/qa/billing/c",
            null,
            null,
            null,
            1_000,
            0,
            0,
            5_000,
            List.of(),
            "rolled back by rollback/qa/billing/release-shop-r1: old live again",
            "rollback/qa/billing/release-shop-r1",
            3_000,
            5_000);
    JobRelease report =
        new JobRelease(
            "report",
            "c",
            List.of("billing"),
            ServiceState.CANCELLED,
            "cancelled: release rolled back by alice: bad",
            null,
            null,
            null,
            0,
            2_000);

    view.render(
        new ReleaseStatus(
            "release/qa/shop/r1",
            "qa",
            "shop",
            "ROLLED_BACK",
            null,
            List.of(billing),
            List.of(report),
            "rollback by alice: bad"),
        9_000);

    assertThat(text.toString().lines())
        .containsExactly(
            "  billing          ROLLED_BACK    4.0s  rolled back by"
                + " rollback/qa/billing/release-shop-r1: old live again",
            "  job report       CANCELLED        -  cancelled: release rolled back by alice: bad");
  }
}
