/// How a command's result is written on stdout: a text table for people, JSON or CSV for machines.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, csv
}
