package dev.conveyor.workflows.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseGraphTests {

  static ReleasePlan plan(Map<String, List<String>> dependsOn, String... members) {
    List<PlannedService> services =
        java.util.Arrays.stream(members).map(m -> new PlannedService(m, "c-" + m)).toList();
    return new ReleasePlan("defs", "qa", "s", services, dependsOn);
  }

  static Map<String, List<String>> deps(String... pairs) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (String pair : pairs) {
      String[] parts = pair.split(":", -1);
      map.put(parts[0], parts[1].isEmpty() ? List.of() : List.of(parts[1].split(",")));
    }
    return map;
  }

  @Test
  void ordersMembersAfterEverythingTheyDependOnThenByName() {
    ReleaseGraph graph =
        ReleaseGraph.of(plan(deps("d:b,c", "c:a", "b:a", "a:", "z:"), "d", "z", "c", "b", "a"));

    assertThat(graph.order())
        .extracting(PlannedService::service)
        .containsExactly("a", "z", "b", "c", "d");
    assertThat(graph.needs("d")).containsExactly("b", "c");
    assertThat(graph.dependents("a")).containsExactly("b", "c");
    assertThat(graph.checks("d")).isEmpty();
  }

  @Test
  void walksThroughServicesOutsideTheReleaseToTheMembersBehindThem() {
    ReleaseGraph graph =
        ReleaseGraph.of(
            plan(
                deps("web:billing", "billing:accounts,db", "accounts:", "db:"), "web", "accounts"));

    assertThat(graph.needs("web")).containsExactly("accounts");
    assertThat(graph.checks("web")).containsExactly("billing", "db");
    assertThat(graph.dependents("accounts")).containsExactly("web");
    assertThat(graph.checks("accounts")).isEmpty();
  }

  @Test
  void stopsAtTheNearestMember() {
    // web -> api -> db, all released: web needs api only; db is api's business.
    ReleaseGraph graph =
        ReleaseGraph.of(plan(deps("web:api", "api:db", "db:"), "web", "api", "db"));

    assertThat(graph.needs("web")).containsExactly("api");
    assertThat(graph.needs("api")).containsExactly("db");
  }

  @Test
  void refusesACycleWithItsPath() {
    assertThatThrownBy(() -> ReleaseGraph.of(plan(deps("a:b", "b:a"), "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dependency cycle: a -> b -> a");
  }

  @Test
  void refusesAPlanWhoseMemberHasNoDependsOnEntry() {
    assertThatThrownBy(() -> ReleaseGraph.of(plan(deps("a:"), "a", "ghost")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the plan lists 'ghost' but not its dependsOn");
  }

  @Test
  void refusesAPlanThatListsAMemberTwiceOrWithoutCommit() {
    assertThatThrownBy(() -> ReleaseGraph.of(plan(deps("a:"), "a", "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the plan lists 'a' twice");
    ReleasePlan noCommit =
        new ReleasePlan("defs", "qa", "s", List.of(new PlannedService("a", "")), deps("a:"));
    assertThatThrownBy(() -> ReleaseGraph.of(noCommit))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the plan gives no commit for 'a'");
  }

  @Test
  void refusesADependencyThePlanDoesNotKnow() {
    assertThatThrownBy(() -> ReleaseGraph.of(plan(deps("a:nope"), "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown service 'nope'");
  }
}
