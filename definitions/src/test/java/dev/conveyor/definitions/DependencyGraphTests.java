package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyGraphTests {

  /** web -> billing -> accounts, web -> search, reports -> accounts, audit alone. */
  private static DependencyGraph shop() {
    Map<String, List<String>> deps = new LinkedHashMap<>();
    deps.put("web", List.of("search", "billing"));
    deps.put("billing", List.of("accounts"));
    deps.put("accounts", List.of());
    deps.put("search", List.of());
    deps.put("reports", List.of("accounts"));
    deps.put("audit", List.of());
    return DependencyGraph.of(deps);
  }

  @Test
  void layersPutEachServiceOneLayerAfterItsDeepestDependencySortedInsideALayer() {
    assertThat(shop().layers())
        .containsExactly(
            List.of("accounts", "audit", "search"), List.of("billing", "reports"), List.of("web"));
  }

  @Test
  void transitiveDependenciesFollowTheWholeChain() {
    DependencyGraph graph = shop();

    assertThat(graph.transitiveDependencies("web"))
        .containsExactly("accounts", "billing", "search");
    assertThat(graph.transitiveDependencies("accounts")).isEmpty();
  }

  @Test
  void transitiveDependentsAreEverythingThatNeedsAService() {
    DependencyGraph graph = shop();

    assertThat(graph.transitiveDependents("accounts")).containsExactly("billing", "reports", "web");
    assertThat(graph.transitiveDependents("web")).isEmpty();
    assertThat(graph.dependents("accounts")).containsExactly("billing", "reports");
    assertThat(graph.dependencies("web")).containsExactly("billing", "search");
  }

  @Test
  void anAcyclicGraphHasNoCycle() {
    assertThat(shop().findCycle()).isEmpty();
    assertThat(shop().cycles()).isEmpty();
  }

  @Test
  void findsACycleAsAPathThatEndsWhereItStarts() {
    DependencyGraph graph =
        DependencyGraph.of(
            Map.of(
                "web",
                List.of("accounts"),
                "accounts",
                List.of("billing"),
                "billing",
                List.of("web")));

    assertThat(graph.findCycle()).contains(List.of("accounts", "billing", "web", "accounts"));
  }

  @Test
  void listsEveryElementaryCycleOnceIncludingSelfLoops() {
    Map<String, List<String>> deps = new LinkedHashMap<>();
    deps.put("a", List.of("b"));
    deps.put("b", List.of("a", "c"));
    deps.put("c", List.of("a", "c"));
    deps.put("d", List.of("a"));

    assertThat(DependencyGraph.of(deps).cycles())
        .containsExactly(List.of("a", "b", "a"), List.of("a", "b", "c", "a"), List.of("c", "c"));
  }

  @Test
  void layersRefuseACyclicGraphAndShowTheCycle() {
    DependencyGraph graph = DependencyGraph.of(Map.of("a", List.of("b"), "b", List.of("a")));

    assertThatThrownBy(graph::layers)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("dependency cycle: a -> b -> a");
  }

  @Test
  void subgraphKeepsOnlyTheEdgesBetweenItsServices() {
    DependencyGraph frontend = shop().subgraph(List.of("web", "billing"));

    assertThat(frontend.services()).containsExactly("web", "billing");
    assertThat(frontend.layers()).containsExactly(List.of("billing"), List.of("web"));
  }

  @Test
  void unknownServicesAreRejectedWithTheKnownOnes() {
    assertThatThrownBy(() -> shop().transitiveDependencies("ledger"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown service 'ledger' (known: web, billing, accounts, search, reports, audit)");
    assertThatThrownBy(() -> DependencyGraph.of(Map.of("web", List.of("ledger"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service 'web' depends on unknown service 'ledger'");
  }
}
