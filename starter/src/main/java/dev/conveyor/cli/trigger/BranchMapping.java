package dev.conveyor.cli.trigger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which branch deploys to which environment, as {@code PATTERN=ENV} rules in the order given; the
 * first rule whose pattern matches the branch name wins. {@code *} in a pattern matches any run of
 * characters, slashes included ({@code release/*} matches {@code release/1.2} and {@code
 * release/1.2/hotfix}).
 */
final class BranchMapping {
  record Rule(String pattern, String env) {
    @Override
    public String toString() {
      return pattern + "=" + env;
    }
  }

  private final List<Rule> rules;
  private final List<Pattern> compiled;

  private BranchMapping(List<Rule> rules) {
    this.rules = List.copyOf(rules);
    this.compiled = this.rules.stream().map(rule -> glob(rule.pattern())).toList();
  }

  /**
   * Parses {@code PATTERN=ENV} rules.
   *
   * @throws IllegalArgumentException naming every malformed rule
   */
  static BranchMapping parse(List<String> specs) {
    List<Rule> rules = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    for (String spec : specs) {
      int eq = spec.lastIndexOf('=');
      String pattern = eq < 0 ? "" : spec.substring(0, eq).trim();
      String env = eq < 0 ? "" : spec.substring(eq + 1).trim();
      if (pattern.isEmpty() || env.isEmpty()) {
        bad.add("'" + spec + "'");
      } else {
        rules.add(new Rule(stripHeads(pattern), env));
      }
    }
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(
          "branch mapping "
              + String.join(", ", bad)
              + (bad.size() == 1 ? " is" : " are")
              + " not BRANCH=ENV; write e.g. --branch main=qa --branch 'release/*=staging'");
    }
    return new BranchMapping(rules);
  }

  List<Rule> rules() {
    return rules;
  }

  boolean isEmpty() {
    return rules.isEmpty();
  }

  /** The environment the branch deploys to, from the first matching rule. */
  Optional<String> envFor(String branch) {
    for (int i = 0; i < rules.size(); i++) {
      if (compiled.get(i).matcher(branch).matches()) {
        return Optional.of(rules.get(i).env());
      }
    }
    return Optional.empty();
  }

  /** The patterns, for a note that says which branches are mapped. */
  String patterns() {
    return String.join(", ", rules.stream().map(Rule::pattern).toList());
  }

  /** The rules as {@code PATTERN=ENV} strings, as they are stored. */
  List<String> specs() {
    return rules.stream().map(Rule::toString).toList();
  }

  /** Accepts {@code refs/heads/main} as well as {@code main}. */
  private static String stripHeads(String pattern) {
    return pattern.startsWith(RefUpdate.HEADS)
        ? pattern.substring(RefUpdate.HEADS.length())
        : pattern;
  }

  private static Pattern glob(String pattern) {
    List<String> literals = new ArrayList<>();
    for (String part : pattern.split("\\*", -1)) {
      literals.add(Pattern.quote(part));
    }
    return Pattern.compile(String.join(".*", literals));
  }
}
