import ArgumentParser
import DuetCore
import DuetHardware
import DuetServe
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "An evaluation server: JSON-RPC 2.0 requests as JSON lines on stdin (or a Unix socket), one response line each.",
        discussion: """
            Methods: evaluate (networks on an accelerator, as duet evaluate --format json; or a point of a config's \
            space), space, decode, sample, solve, ask, tell, shutdown. Batches (a JSON array of requests, or \
            "designs"/"points" lists) for throughput. Bad input is answered with an error object; the server \
            exits 0 at end of input or on shutdown. The protocol: docs/FORMATS.md, "duet serve".
            """)

    @Option(help: "Listen on this Unix socket path instead of stdin/stdout (several connections; shutdown on any stops the server).")
    var socket: String?

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let server = Server(dataDir: try DataDirectory.locate())
        if let socket {
            try await LineTransport.serveSocket(server, path: socket)
        } else {
            _ = await LineTransport.serveStandardIO(server)
        }
        await server.close()
    }
}
