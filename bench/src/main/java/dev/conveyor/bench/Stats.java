package dev.conveyor.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Exact percentiles of a sample (nearest rank). */
final class Stats {
  private Stats() {}

  static double percentile(List<? extends Number> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>();
    values.forEach(v -> sorted.add(v.doubleValue()));
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  static Map<String, Object> summary(List<? extends Number> values) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", values.size());
    out.put("p50", percentile(values, 50));
    out.put("p99", percentile(values, 99));
    out.put("max", percentile(values, 100));
    out.put("min", percentile(values, 0.0001));
    return out;
  }
}
