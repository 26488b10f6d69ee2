package dev.conveyor.definitions;

/** A 1-based line and column in a file. */
record Position(int line, int column) {

  /** Where a problem about a whole file (missing, empty) is reported. */
  static final Position START = new Position(1, 1);

  @Override
  public String toString() {
    return "line " + line + ", column " + column;
  }
}
