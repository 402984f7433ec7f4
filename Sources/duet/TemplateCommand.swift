import ArgumentParser
import DuetHardware
import DuetReport

struct TemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template", abstract: "Dataflow templates (Templates/*.yaml): list and show.",
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the dataflow templates.")
        @Option(help: "table, json or csv.") var format: OutputFormat = .table
        func run() async throws { emit(try TemplateReport.list(dataDir: try DataDirectory.locate(), format: format)) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a template's mappings, parameters, variants, ranges and sources.")
        @Argument(help: "Template name, optionally with a variant (tpu:edge).") var template: String
        @Option(name: .customLong("set"), help: "Override a parameter (repeatable).") var overrides: [String] = []
        @Option(help: "table or json.") var format: OutputFormat = .table
        func run() async throws { emit(try TemplateReport.show(template, overrides: overrides, dataDir: try DataDirectory.locate(), format: format)) }
    }
}
