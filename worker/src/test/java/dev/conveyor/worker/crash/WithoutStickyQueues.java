package dev.conveyor.worker.crash;

import io.temporal.spring.boot.WorkerOptionsCustomizer;
import java.time.Duration;
import org.springframework.context.annotation.Bean;

/**
 * Kill-suite workers ask Temporal for no sticky task queue (a zero sticky schedule-to-start timeout
 * makes the SDK send no sticky attributes), so every workflow task goes to the shared {@code
 * conveyor-control} queue.
 *
 * <p>Why: a real Temporal server moves a workflow task that waits on a dead worker's sticky queue
 * to the shared queue after the sticky schedule-to-start timeout (5 s by default); Temporal's test
 * server never does, and a deployment whose worker died would wait forever. On a real cluster add
 * up to that timeout to the resume times the suite measures (docs/reliability.md). Loaded only by
 * {@code --spring.main.sources}, like {@link HoldPoints}.
 */
public final class WithoutStickyQueues {
  @Bean
  WorkerOptionsCustomizer conveyorTestWithoutStickyQueues() {
    return (builder, workerName, taskQueue) ->
        builder.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
  }
}
