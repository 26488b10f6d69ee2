package dev.conveyor.worker.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.TaskQueues;
import io.temporal.spring.boot.autoconfigure.properties.WorkerProperties;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/** What the Temporal starter sees of {@code spring.temporal.workers} after the selection. */
class QueueSelectionTests {
  @Test
  void buildWorkerRegistersOnlyTheBuildActivities() throws IOException {
    List<WorkerProperties> workers =
        workersAfterSelection(Map.of("conveyor.worker.queues", "build"));

    assertThat(workers)
        .extracting(WorkerProperties::getTaskQueue)
        .containsExactly(TaskQueues.BUILD);
    assertThat(workers.get(0).getActivityBeans()).containsExactly("buildActivities");
    assertThat(workers.get(0).getWorkflowClasses()).isNullOrEmpty();
  }

  @Test
  void controlWorkerRegistersTheWorkflowAndEveryOtherActivity() throws IOException {
    List<WorkerProperties> workers =
        workersAfterSelection(Map.of("conveyor.worker.queues", "control"));

    assertThat(workers)
        .extracting(WorkerProperties::getTaskQueue)
        .containsExactly(TaskQueues.CONTROL);
    assertThat(workers.get(0).getWorkflowClasses())
        .extracting(Class::getSimpleName)
        .containsExactly(
            "ServiceDeploymentWorkflowImpl",
            "ServiceLaneWorkflowImpl",
            "JobDeploymentWorkflowImpl",
            "StackReleaseWorkflowImpl",
            "PromotionWorkflowImpl",
            "RollbackWorkflowImpl",
            "JobRollbackWorkflowImpl");
    assertThat(workers.get(0).getActivityBeans())
        .containsExactly(
            "resolveActivities",
            "kvActivities",
            "gitOpsActivities",
            "deployActivities",
            "notifyActivities",
            "jobActivities",
            "releasePlanActivities",
            "targetHealthActivities",
            "promotionActivities");
  }

  @Test
  void defaultServesBothQueuesFromApplicationYaml() throws IOException {
    StandardEnvironment environment = environment(Map.of());

    new QueueSelection().postProcessEnvironment(environment, new SpringApplication());

    assertThat(environment.getPropertySources().contains(QueueSelection.SOURCE_NAME)).isFalse();
    assertThat(workers(environment))
        .extracting(WorkerProperties::getTaskQueue)
        .containsExactly(TaskQueues.CONTROL, TaskQueues.BUILD);
  }

  @Test
  void keepsWorkersForOtherTaskQueuesFromAnOverridingList() throws IOException {
    List<WorkerProperties> workers =
        workersAfterSelection(
            Map.of(
                "conveyor.worker.queues", "build",
                "spring.temporal.workers[0].task-queue", TaskQueues.CONTROL,
                "spring.temporal.workers[0].activity-beans[0]", "kvActivities",
                "spring.temporal.workers[1].task-queue", "reports",
                "spring.temporal.workers[1].activity-beans[0]", "reportActivities",
                "spring.temporal.workers[2].task-queue", TaskQueues.BUILD,
                "spring.temporal.workers[2].activity-beans[0]", "buildActivities",
                "spring.temporal.workers[2].capacity.max-concurrent-activity-executors", "3"));

    assertThat(workers)
        .extracting(WorkerProperties::getTaskQueue)
        .containsExactly("reports", TaskQueues.BUILD);
    assertThat(workers.get(1).getCapacity().getMaxConcurrentActivityExecutors()).isEqualTo(3);
  }

  @Test
  void leavesAnInvalidSelectionForTheStartupCheckToReport() throws IOException {
    StandardEnvironment environment = environment(Map.of("conveyor.worker.queues", "bild"));

    new QueueSelection().postProcessEnvironment(environment, new SpringApplication());

    assertThat(environment.getPropertySources().contains(QueueSelection.SOURCE_NAME)).isFalse();
  }

  private static List<WorkerProperties> workersAfterSelection(Map<String, Object> overrides)
      throws IOException {
    StandardEnvironment environment = environment(overrides);
    new QueueSelection().postProcessEnvironment(environment, new SpringApplication());
    return workers(environment);
  }

  /** application.yaml, below {@code overrides} (as command-line arguments would be). */
  private static StandardEnvironment environment(Map<String, Object> overrides) throws IOException {
    StandardEnvironment environment = new StandardEnvironment();
    for (PropertySource<?> source :
        new YamlPropertySourceLoader()
            .load("application.yaml", new ClassPathResource("application.yaml"))) {
      environment.getPropertySources().addLast(source);
    }
    environment.getPropertySources().addFirst(new MapPropertySource("overrides", overrides));
    ConfigurationPropertySources.attach(environment);
    return environment;
  }

  private static List<WorkerProperties> workers(StandardEnvironment environment) {
    return Binder.get(environment)
        .bind("spring.temporal.workers", Bindable.listOf(WorkerProperties.class))
        .orElse(List.of());
  }
}
