package dev.conveyor.workflows.release;

import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.job.JobDeployRequest;
import dev.conveyor.workflows.job.JobDeployResult;
import dev.conveyor.workflows.job.JobDeployStatus;
import dev.conveyor.workflows.job.JobDeploymentWorkflow;
import dev.conveyor.workflows.testing.RecordingSteps;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;

/**
 * A job deployment for release tests: one recorded step {@code job} (so its place among the
 * services' steps is known), failing when {@link RecordingSteps#failAt} says so. The real job
 * workflow has its own tests; here only when and whether the release starts it matters.
 */
public final class FakeJobDeployment implements JobDeploymentWorkflow {

  /** The one step of the fake. */
  @ActivityInterface
  public interface JobProbe {
    String fakeJobDeploy(JobDeployRequest request);
  }

  /** Records {@code job} for the job's name and commit. */
  public static final class Probe implements JobProbe {
    private final RecordingSteps steps;

    public Probe(RecordingSteps steps) {
      this.steps = steps;
    }

    @Override
    public String fakeJobDeploy(JobDeployRequest request) {
      return steps.recordStep(
          request.job(),
          request.commit(),
          "job",
          () -> "localhost:5000/" + request.job() + "@sha256:" + "ab".repeat(32));
    }
  }

  private final JobProbe probe =
      Workflow.newActivityStub(
          JobProbe.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(40))
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
              .build());

  @Override
  public JobDeployResult deploy(JobDeployRequest request) {
    String image = probe.fakeJobDeploy(request);
    return new JobDeployResult(
        Workflow.getInfo().getWorkflowId(),
        request.env(),
        request.job(),
        request.commit(),
        image,
        image.substring(image.indexOf('@') + 1),
        false,
        "defs" + "0".repeat(36),
        RecordingSteps.headOf("cfg-" + request.job()),
        request.job(),
        "iso8601",
        null,
        null,
        List.of());
  }

  @Override
  public JobDeployStatus status() {
    return null;
  }

  /** Release tests never roll a job back; the real workflow's rollback has its own tests. */
  @Override
  public void rollback(RollbackRequest request) {}

  @Override
  public String requestRollback(RollbackRequest request) {
    throw new IllegalStateException("the fake job deployment does not roll back");
  }

  @Override
  public void validateRollback(RollbackRequest request) {
    throw new IllegalArgumentException("the fake job deployment does not roll back");
  }
}
