#if PostgreSQL
import DuetCore
import Foundation
import PostgresNIO

/// A study in a PostgreSQL database (postgres-nio), shared by workers on any number of hosts.
///
/// Several studies live in one database, by name (`duet_study`); their trials in `duet_trial`,
/// their free key/value entries in `duet_attribute`, the schema version in `duet_schema`. Every
/// statement binds its values (no SQL is built from user text). Claims lock rows with
/// `FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait for each other nor get the same
/// trial. Lease times are the server's clock (`clock_timestamp()`).
///
/// One store holds one connection; queries from concurrent tasks are pipelined on it. When a store
/// that was open loses its server (a restart, a failover, a dropped link), every call reconnects and
/// retries for up to ``reconnectSeconds`` before it fails. Each statement is safe to run twice:
/// `record`/`enqueue` skip rows that exist, `heartbeat`/`setAttribute` overwrite, `complete` also
/// accepts its own completed row (the first run committed but its answer was lost); a `claim` whose
/// answer was lost leaves a running row that nobody works on, re-queued when its lease expires.
/// Opening a store never waits that long: an unreachable server fails ``open(_:mode:)`` within
/// about ``connectTimeoutSeconds``.
public actor PostgresStudyStore: StudyStore {
    public nonisolated let url: PostgresURL
    public nonisolated var location: StudyLocation { .postgres(url) }
    public nonisolated var name: String { url.study ?? "" }
    private let studyID: Int64
    private let readOnly: Bool
    /// The trial columns read: a schema-2 database opened read-only has no finish order or basis.
    private let trialColumns: String
    private var connection: PostgresConnection
    private var reconnecting: Task<PostgresConnection, any Error>?
    private let logger: Logger

    /// Seconds allowed for reaching the server and logging in before the open fails.
    public static let connectTimeoutSeconds: Int64 = 5

    /// Seconds an open store keeps reconnecting and retrying a call after losing its server before
    /// the call fails: 60, or `DUET_PG_RECONNECT_SECONDS` (0 turns retrying off).
    public static let reconnectSeconds: Double = {
        if let v = ProcessInfo.processInfo.environment["DUET_PG_RECONNECT_SECONDS"], let s = Double(v), s.isFinite, s >= 0 { return s }
        return 60
    }()

    private init(url: PostgresURL, studyID: Int64, readOnly: Bool, storedVersion: Int, connection: PostgresConnection, logger: Logger) {
        self.url = url; self.studyID = studyID; self.readOnly = readOnly; self.connection = connection; self.logger = logger
        self.trialColumns = storedVersion >= 3 ? Self.trialColumns : Self.trialColumnsV2
    }

    /// Opens the study `url.study` in `url`'s database. `create` makes the tables and the study when
    /// missing; `open` and `readOnly` require both (readOnly connects with
    /// `default_transaction_read_only`, so the server refuses any write).
    ///
    /// Throws ``InputError`` (naming host:port and a fix) within about ``connectTimeoutSeconds``
    /// when the server is unreachable, the password is wrong or missing, the database or the study
    /// does not exist, or the study's schema is newer than this Duet's.
    public static func open(_ url: PostgresURL, mode: StudyOpenMode) async throws -> PostgresStudyStore {
        guard let study = url.study else {
            throw InputError(file: url.description, message: "the URL names no study", hint: "add ?study=NAME to the URL (duet study list URL shows the studies there)")
        }
        let logger = Logger(label: "duet.study.postgres")
        let conn = try await connect(url, readOnly: mode == .readOnly, logger: logger)
        do {
            let version = try await ensureSchema(conn, url: url, create: mode == .create, migrate: mode == .open, logger: logger)
            var id: Int64? = nil
            if mode == .create {
                try await conn.query("INSERT INTO duet_study (name) VALUES (\(study)) ON CONFLICT (name) DO NOTHING", logger: logger)
            }
            for try await (v) in try await conn.query("SELECT id FROM duet_study WHERE name = \(study)", logger: logger).decode(Int64.self) { id = v }
            guard let id else {
                let names = try await studyNames(conn, logger: logger)
                throw InputError(file: url.description, value: study,
                                 message: "no study '\(study)' in database \(url.database) at \(url.endpoint)",
                                 hint: names.isEmpty ? "create it with duet explore CONFIG --study \(url.description)"
                                     : "studies there: \(names.prefix(10).joined(separator: ", ")); or create it with duet explore CONFIG --study URL")
            }
            return PostgresStudyStore(url: url, studyID: id, readOnly: mode == .readOnly, storedVersion: version, connection: conn, logger: logger)
        } catch {
            try? await conn.close()
            throw mapError(error, url)
        }
    }

    /// The studies in `url`'s database (its `study=` is ignored); empty when it holds no Duet tables.
    public static func list(_ url: PostgresURL) async throws -> [StudySummary] {
        let logger = Logger(label: "duet.study.postgres")
        let conn = try await connect(url, readOnly: true, logger: logger)
        defer { Task { try? await conn.close() } }
        do {
            guard try await schemaVersion(conn, logger: logger) != nil else { return [] }
            return try await summaries(conn, studyID: nil, logger: logger)
        } catch { throw mapError(error, url) }
    }

    // MARK: Connecting

    static func connect(_ url: PostgresURL, readOnly: Bool, logger: Logger) async throws -> PostgresConnection {
        do { return try await connectRaw(url, readOnly: readOnly, logger: logger) } catch { throw mapError(error, url) }
    }

    /// No answer from the server within the connect timeout.
    struct ConnectTimeout: Error { var seconds: Double }

    /// ``connect(_:readOnly:logger:)`` without turning the server's errors into ``InputError``s.
    static func connectRaw(_ url: PostgresURL, readOnly: Bool, logger: Logger) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch url.sslMode {
            case .disable: tls = .disable
            case .prefer, .allow, .require:
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = .none
                let ctx = try NIOSSLContext(configuration: t)
                tls = url.sslMode == .require ? .require(ctx) : .prefer(ctx)
            case .verifyCA, .verifyFull:
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = url.sslMode == .verifyFull ? .fullVerification : .noHostnameVerification
                tls = .require(try NIOSSLContext(configuration: t))
            }
        } catch {
            throw InputError(file: url.description, message: "cannot set up TLS: \(error)", hint: "use sslmode=disable for a server without TLS")
        }
        var config = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                      database: url.database, tls: tls)
        config.options.connectTimeout = .seconds(connectTimeoutSeconds)
        config.options.additionalStartupParameters = [("application_name", "duet")]
        if readOnly { config.options.additionalStartupParameters.append(("default_transaction_read_only", "on")) }
        let limit = Double(connectTimeoutSeconds) + 1
        let configuration = config
        return try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
            group.addTask { try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger) }
            group.addTask { try await Task.sleep(nanoseconds: UInt64(limit * 1e9)); return nil }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let conn = first else { throw ConnectTimeout(seconds: limit) }
            return conn
        }
    }

    /// A short reason for a lost link, for the log (PSQLError's description hides its details).
    static func lossDescription(_ error: any Error) -> String {
        if let t = error as? ConnectTimeout { return "no answer within \(Int(t.seconds)) s" }
        guard let e = error as? PSQLError else { return "\(error)" }
        if let state = e.serverInfo?[.sqlState] { return "\(e.serverInfo?[.message] ?? "server error") (SQLSTATE \(state))" }
        return e.underlying.map { "\(e.code): \($0)" } ?? "\(e.code)"
    }

    /// Whether `error` means the link to the server is gone (closed, refused, reset, the server
    /// shutting down or starting up), so that reconnecting and running the call again may succeed.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if error is ConnectTimeout { return true }
        guard let e = error as? PSQLError else { return false }
        if let state = e.serverInfo?[.sqlState] {
            // 08: connection exception; 57P01-57P03: admin/crash shutdown, cannot connect now.
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
        }
        return [.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection].contains(e.code)
    }

    /// A user-facing error for what went wrong talking to the server.
    static func mapError(_ error: any Error, _ url: PostgresURL) -> any Error {
        if error is InputError { return error }
        if let t = error as? ConnectTimeout {
            return InputError(file: url.description, message: "no answer from the PostgreSQL server at \(url.endpoint) within \(Int(t.seconds)) s",
                              hint: "check that the server runs and listens on \(url.endpoint) (pg_ctl status; listen_addresses and port in postgresql.conf) and that no firewall drops the connection")
        }
        guard let e = error as? PSQLError else { return error }
        let at = "PostgreSQL at \(url.endpoint)"
        let where_ = url.description
        if let state = e.serverInfo?[.sqlState] {
            let msg = e.serverInfo?[.message] ?? "server error \(state)"
            switch state {
            case "28P01":
                return InputError(file: where_, message: "\(at) refused the password for user '\(url.user)': \(msg)",
                                  hint: "check the password (taken from \(url.passwordSource ?? "nowhere: none was given")); give it in the URL, PGPASSWORD or ~/.pgpass")
            case "28000":
                return InputError(file: where_, message: "\(at) refused user '\(url.user)': \(msg)",
                                  hint: "check the user name and the server's pg_hba.conf for this host, user and database")
            case "3D000":
                return InputError(file: where_, message: "\(at) has no database '\(url.database)': \(msg)",
                                  hint: "create it (createdb -h \(url.host) -p \(url.port) -U \(url.user) \(url.database)) or fix the database name in the URL")
            case "25006":
                return InputError(file: where_, message: "\(at): the study was opened read-only: \(msg)", hint: "this command only reads studies")
            default:
                return InputError(file: where_, message: "\(at): \(msg) (SQLSTATE \(state))", hint: "check the URL, the user's rights on database \(url.database) and the server's log")
            }
        }
        switch e.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            let cause = e.underlying.map { "\($0)" } ?? "\(e.code)"
            if cause.contains("CERTIFICATE_VERIFY_FAILED") || cause.contains("certificate verify failed") {
                return InputError(file: where_, message: "\(at) presented a TLS certificate that is not trusted (sslmode=\(url.sslMode.rawValue) verifies it against the system's roots)",
                                  hint: "add the server's CA to the system trust store (update-ca-certificates), or use sslmode=require (encrypted, certificate not verified)")
            }
            if cause.contains("handshake") || cause.contains("SSL") {
                return InputError(file: where_, message: "the TLS handshake with \(at) failed: \(cause)",
                                  hint: "check the server's ssl settings and certificate, or the URL's sslmode (disable, prefer, require, verify-ca, verify-full)")
            }
            return InputError(file: where_, message: "cannot connect to \(at): \(cause)",
                              hint: "check that the server runs and listens on \(url.endpoint) (pg_ctl status; listen_addresses and port in postgresql.conf)")
        case .authMechanismRequiresPassword:
            return InputError(file: where_, message: "\(at) asks a password for user '\(url.user)' and none was given",
                              hint: "give it in the URL (postgresql://USER:PASSWORD@…), PGPASSWORD or ~/.pgpass")
        case .sslUnsupported:
            return InputError(file: where_, message: "\(at) does not offer TLS and the URL requires it", hint: "use sslmode=prefer or sslmode=disable, or enable ssl on the server")
        default:
            return error
        }
    }

    // MARK: Schema

    static func schemaVersion(_ conn: PostgresConnection, logger: Logger) async throws -> Int? {
        var exists = false
        // A plain query of the catalog (a fresh snapshot each statement), not to_regclass: inside a
        // transaction that waited for the schema lock, to_regclass answers from the catalog as it was
        // before the wait and misses tables another creator committed meanwhile.
        for try await (v) in try await conn.query("""
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'duet_schema' AND schemaname = ANY (current_schemas(false)))
            """, logger: logger).decode(Bool.self) { exists = v }
        guard exists else { return nil }
        var version: Int? = nil
        for try await (v) in try await conn.query("SELECT version FROM duet_schema WHERE id = 1", logger: logger).decode(Int.self) { version = v }
        return version
    }

    static func newerSchema(_ url: PostgresURL, _ version: Int) -> InputError {
        InputError(file: url.description, value: "schema \(version)",
                   message: "the studies in database \(url.database) at \(url.endpoint) were written by a newer Duet (schema \(version); this Duet reads schemas up to \(StudySchema.current))",
                   hint: "upgrade duet to use them; nothing was changed")
    }

    /// The tables of schema 2 (the first PostgreSQL schema).
    static let schema2: [PostgresQuery] = [
        "CREATE TABLE IF NOT EXISTS duet_schema (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS duet_study (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, settings text,
                                               created timestamptz NOT NULL DEFAULT now())
        """,
        """
        CREATE TABLE IF NOT EXISTS duet_attribute (study_id bigint NOT NULL REFERENCES duet_study (id) ON DELETE CASCADE,
                                                   key text NOT NULL, value text NOT NULL, PRIMARY KEY (study_id, key))
        """,
        """
        CREATE TABLE IF NOT EXISTS duet_trial (
            number bigserial PRIMARY KEY,
            study_id bigint NOT NULL REFERENCES duet_study (id) ON DELETE CASCADE,
            generation bigint NOT NULL, slot bigint NOT NULL,
            genome text NOT NULL, design text NOT NULL,
            metrics text NOT NULL DEFAULT '{}', objectives text NOT NULL DEFAULT '[]', constraints text NOT NULL DEFAULT '{}',
            violation double precision NOT NULL DEFAULT 1e308,
            status text NOT NULL CHECK (status IN ('pending', 'running', 'complete', 'failed')),
            error text, seconds double precision NOT NULL DEFAULT 0, seed bigint NOT NULL, version text NOT NULL,
            worker text, attempt bigint NOT NULL DEFAULT 0, retries bigint NOT NULL DEFAULT 0,
            lease_expires timestamptz, heartbeat timestamptz,
            created timestamptz NOT NULL DEFAULT clock_timestamp(),
            UNIQUE (study_id, generation, slot))
        """,
        "CREATE INDEX IF NOT EXISTS duet_trial_pending ON duet_trial (study_id, generation, slot) WHERE status = 'pending'",
        "CREATE INDEX IF NOT EXISTS duet_trial_running ON duet_trial (study_id, lease_expires) WHERE status = 'running'",
        "INSERT INTO duet_schema (id, version) VALUES (1, 2) ON CONFLICT (id) DO NOTHING",
    ]

    /// Schema 3: each trial's finish order and basis (``TrialRecord/finishOrder``,
    /// ``TrialRecord/basis``), when a queued trial finished (`finished_at`, server clock), the
    /// per-study counter that gives finish orders (``finishedTrials(afterFinishOrder:limit:)``), an
    /// index on genomes. Trials finished before keep a NULL finish order.
    static let schema3: [PostgresQuery] = [
        "ALTER TABLE duet_trial ADD COLUMN IF NOT EXISTS finish_order bigint",
        "ALTER TABLE duet_trial ADD COLUMN IF NOT EXISTS basis bigint",
        "ALTER TABLE duet_trial ADD COLUMN IF NOT EXISTS finished_at timestamptz",
        "ALTER TABLE duet_study ADD COLUMN IF NOT EXISTS finished bigint NOT NULL DEFAULT 0",
        "CREATE INDEX IF NOT EXISTS duet_trial_unordered ON duet_trial (study_id, finished_at) WHERE finish_order IS NULL AND finished_at IS NOT NULL",
        "CREATE UNIQUE INDEX IF NOT EXISTS duet_trial_finish_order ON duet_trial (study_id, finish_order)",
        "CREATE INDEX IF NOT EXISTS duet_trial_genome ON duet_trial (study_id, genome)",
        "UPDATE duet_schema SET version = 3 WHERE id = 1 AND version < 3",
    ]

    /// Checks the schema version; with `create`, makes (or migrates to) the current schema under an
    /// advisory lock, so concurrent creators do it once.
    /// A database of an older schema is migrated when opened for writing (`create` or `open`:
    /// `migrate`), and read as it is when opened read-only (returns the stored version).
    @discardableResult
    static func ensureSchema(_ conn: PostgresConnection, url: PostgresURL, create: Bool, migrate: Bool = false, logger: Logger) async throws -> Int {
        if let v = try await schemaVersion(conn, logger: logger) {
            if v > StudySchema.current { throw newerSchema(url, v) }
            if v == StudySchema.current || !(create || migrate) { return v }
        }
        let exists = try await schemaVersion(conn, logger: logger) != nil
        guard create || (migrate && exists) else {
            throw InputError(file: url.description, message: "database \(url.database) at \(url.endpoint) holds no Duet studies",
                             hint: "create one with duet explore CONFIG --study \(url.description)")
        }
        try await conn.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(4475657400)", logger: logger)   // 'Duet' 00: serializes schema creation
            // Under the lock, what another creator may have done meanwhile: a migration's ALTER TABLE
            // takes strong locks, so it runs only where it is needed.
            let v = try await schemaVersion(c, logger: logger)
            if let v, v > StudySchema.current { throw newerSchema(url, v) }
            if v == StudySchema.current { return }
            if v == nil { for q in schema2 { try await c.query(q, logger: logger) } }
            for q in schema3 { try await c.query(q, logger: logger) }
            // Later schemas: `… UPDATE duet_schema SET version = 4 WHERE version < 4` here.
        }
        return StudySchema.current
    }

    static func studyNames(_ conn: PostgresConnection, logger: Logger) async throws -> [String] {
        var names: [String] = []
        for try await (n) in try await conn.query("SELECT name FROM duet_study ORDER BY name", logger: logger).decode(String.self) { names.append(n) }
        return names
    }

    static func summaries(_ conn: PostgresConnection, studyID: Int64?, logger: Logger) async throws -> [StudySummary] {
        var byName: [String: TrialCounts] = [:]
        var order: [String] = []
        let rows = try await conn.query("""
            SELECT s.name, t.status, count(t.number), coalesce(sum(CASE WHEN t.violation = 0 THEN 1 ELSE 0 END), 0)
            FROM duet_study s LEFT JOIN duet_trial t ON t.study_id = s.id
            WHERE \(studyID == nil) OR s.id = \(studyID ?? 0)
            GROUP BY s.name, t.status ORDER BY s.name
            """, logger: logger)
        for try await (name, status, n, feasible) in rows.decode((String, String?, Int, Int).self) {
            if byName[name] == nil { order.append(name); byName[name] = TrialCounts() }
            switch status.flatMap(TrialStatus.init(rawValue:)) {
            case .pending: byName[name]!.pending = n
            case .running: byName[name]!.running = n
            case .complete: byName[name]!.complete = n; byName[name]!.feasible = feasible
            case .failed: byName[name]!.failed = n
            case nil: break
            }
        }
        return order.map { StudySummary(name: $0, counts: byName[$0]!) }
    }

    // MARK: Queries

    /// The open connection; a closed one is replaced by one new connection, whatever the number of
    /// concurrent callers (they all await the same attempt).
    private func conn() async throws -> PostgresConnection {
        if !connection.isClosed { return connection }
        if let pending = reconnecting { return try await pending.value }
        let attempt = Task { [url, readOnly, logger] in try await Self.connectRaw(url, readOnly: readOnly, logger: logger) }
        reconnecting = attempt
        defer { reconnecting = nil }
        let fresh = try await attempt.value
        connection = fresh
        // A link that closed between queries (a server restart while this process was busy
        // elsewhere) is replaced here without a failed query: say so, as a failed query would.
        logger.warning("reconnected to the PostgreSQL server at \(url.endpoint) after the connection closed")
        return fresh
    }

    /// Runs `body` on the connection; when the link is lost, reconnects and runs it again (with a
    /// growing pause, 0.1 s to 2 s) until ``reconnectSeconds`` have passed. Other errors are mapped
    /// to ``InputError``s at once.
    private func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var deadline: Date?
        var pause = 0.1
        while true {
            do { return try await body(conn()) } catch {
                guard Self.isConnectionLoss(error) else { throw Self.mapError(error, url) }
                let now = Date()
                if deadline == nil {
                    deadline = now.addingTimeInterval(Self.reconnectSeconds)
                    logger.warning("lost the PostgreSQL server at \(url.endpoint) (\(Self.lossDescription(error))); reconnecting for up to \(Int(Self.reconnectSeconds)) s")
                }
                guard now < deadline! else { throw Self.mapError(error, url) }
                if !connection.isClosed { try? await connection.close() }
                try await Task.sleep(nanoseconds: UInt64(pause * 1e9))
                pause = min(pause * 2, 2)
            }
        }
    }

    private func rows(_ q: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        if readOnly && !q.sql.hasPrefix("SELECT") {
            throw InputError(file: url.description, message: "the study was opened read-only", hint: "this command only reads studies")
        }
        return try await withConnection { c in
            var out: [PostgresRandomAccessRow] = []
            for try await row in try await c.query(q, logger: logger) { out.append(row.makeRandomAccess()) }
            return out
        }
    }

    private static let trialColumnsV2 = "generation, slot, genome, design, metrics, objectives, constraints, violation, status, error, seconds, seed, version, retries, worker, NULL::bigint AS finish_order, NULL::bigint AS basis"
    private static let trialColumns = "generation, slot, genome, design, metrics, objectives, constraints, violation, status, error, seconds, seed, version, retries, worker, finish_order, basis"

    private static func decodeTrial(_ r: PostgresRandomAccessRow) throws -> TrialRecord {
        TrialRecord(generation: try r["generation"].decode(Int.self), slot: try r["slot"].decode(Int.self),
                    genome: TrialCoding.decodeDoubles(try r["genome"].decode(String.self)), design: try r["design"].decode(String.self),
                    metrics: TrialCoding.decodeDict(try r["metrics"].decode(String.self)),
                    objectives: TrialCoding.decodeDoubles(try r["objectives"].decode(String.self)),
                    constraints: TrialCoding.decodeDict(try r["constraints"].decode(String.self)),
                    violation: TrialCoding.loadedViolation(try r["violation"].decode(Double.self)),
                    status: TrialStatus(rawValue: try r["status"].decode(String.self)) ?? .failed,
                    error: try r["error"].decode(String?.self), seconds: try r["seconds"].decode(Double.self),
                    seed: UInt64(bitPattern: try r["seed"].decode(Int64.self)), version: try r["version"].decode(String.self),
                    retries: try r["retries"].decode(Int.self), worker: try r["worker"].decode(String?.self),
                    finishOrder: try r["finish_order"].decode(Int64?.self), basis: try r["basis"].decode(Int64?.self))
    }

    // MARK: StudyStore

    public func schemaVersion() async throws -> Int {
        try await withConnection { c in try await Self.schemaVersion(c, logger: logger) } ?? 0
    }

    public func settings() async throws -> StudySettings? {
        guard let json = try await rows("SELECT settings FROM duet_study WHERE id = \(studyID)").first?["settings"].decode(String?.self) else { return nil }
        return try StudySettings.fromJSON(json)
    }

    @discardableResult
    public func setSettingsOnce(_ settings: StudySettings) async throws -> StudySettings {
        let json = try settings.jsonText()
        _ = try await rows("UPDATE duet_study SET settings = \(json) WHERE id = \(studyID) AND settings IS NULL")
        return try await self.settings() ?? settings
    }

    public func attribute(_ key: String) async throws -> String? {
        try await rows("SELECT value FROM duet_attribute WHERE study_id = \(studyID) AND key = \(key)").first?["value"].decode(String.self)
    }

    public func setAttribute(_ key: String, _ value: String) async throws {
        _ = try await rows("""
            INSERT INTO duet_attribute (study_id, key, value) VALUES (\(studyID), \(key), \(value))
            ON CONFLICT (study_id, key) DO UPDATE SET value = EXCLUDED.value
            """)
    }

    @discardableResult
    public func setAttributeOnce(_ key: String, _ value: String) async throws -> String {
        _ = try await rows("INSERT INTO duet_attribute (study_id, key, value) VALUES (\(studyID), \(key), \(value)) ON CONFLICT (study_id, key) DO NOTHING")
        return try await attribute(key) ?? value
    }

    public func attributes() async throws -> [(key: String, value: String)] {
        try await rows("SELECT key, value FROM duet_attribute WHERE study_id = \(studyID) ORDER BY key").map {
            (key: try $0["key"].decode(String.self), value: try $0["value"].decode(String.self))
        }
    }

    @discardableResult
    public func record(_ trials: [TrialRecord]) async throws -> Int {
        guard !trials.isEmpty else { return 0 }
        precondition(trials.allSatisfy(\.status.isFinished), "record() stores finished trials; enqueue() pending ones")
        // One statement over arrays: all-or-nothing whatever the batch size. Given finish orders are
        // kept (a copied study) and the study's counter moved past them.
        let orders = trials.compactMap(\.finishOrder)
        let q: PostgresQuery = """
            WITH c AS (UPDATE duet_study SET finished = greatest(finished, \(orders.max() ?? 0)) WHERE id = \(studyID) AND \(!orders.isEmpty) RETURNING id)
            INSERT INTO duet_trial (study_id, generation, slot, genome, design, metrics, objectives, constraints, violation,
                                    status, error, seconds, seed, version, retries, worker, finish_order, basis)
            SELECT \(studyID), g, s, ge, d, m, o, c, v, st, CASE WHEN eh THEN e END, sec, sd, ver, r, CASE WHEN wh THEN w END,
                   CASE WHEN foh THEN fo END, CASE WHEN bh THEN b END
            FROM unnest(\(trials.map { Int64($0.generation) })::bigint[], \(trials.map { Int64($0.slot) })::bigint[],
                        \(trials.map { TrialCoding.encode($0.genome) })::text[], \(trials.map(\.design))::text[],
                        \(trials.map { TrialCoding.encode($0.metrics) })::text[], \(trials.map { TrialCoding.encode($0.objectives) })::text[],
                        \(trials.map { TrialCoding.encode($0.constraints) })::text[], \(trials.map { TrialCoding.storedViolation($0.violation) })::float8[],
                        \(trials.map(\.status.rawValue))::text[], \(trials.map { $0.error ?? "" })::text[], \(trials.map { $0.error != nil })::bool[],
                        \(trials.map(\.seconds))::float8[], \(trials.map { Int64(bitPattern: $0.seed) })::bigint[], \(trials.map(\.version))::text[],
                        \(trials.map { Int64($0.retries) })::bigint[], \(trials.map { $0.worker ?? "" })::text[], \(trials.map { $0.worker != nil })::bool[],
                        \(trials.map { $0.finishOrder ?? 0 })::bigint[], \(trials.map { $0.finishOrder != nil })::bool[],
                        \(trials.map { $0.basis ?? 0 })::bigint[], \(trials.map { $0.basis != nil })::bool[])
                 AS u(g, s, ge, d, m, o, c, v, st, e, eh, sec, sd, ver, r, w, wh, fo, foh, b, bh)
            ON CONFLICT (study_id, generation, slot) DO NOTHING
            RETURNING number
            """
        return try await rows(q).count
    }

    @discardableResult
    public func enqueue(_ trials: [PendingTrial]) async throws -> Int {
        guard !trials.isEmpty else { return 0 }
        let q: PostgresQuery = """
            INSERT INTO duet_trial (study_id, generation, slot, genome, design, status, seed, version, basis)
            SELECT \(studyID), g, s, ge, d, 'pending', sd, ver, CASE WHEN bh THEN b END
            FROM unnest(\(trials.map { Int64($0.generation) })::bigint[], \(trials.map { Int64($0.slot) })::bigint[],
                        \(trials.map { TrialCoding.encode($0.genome) })::text[], \(trials.map(\.design))::text[],
                        \(trials.map { Int64(bitPattern: $0.seed) })::bigint[], \(trials.map(\.version))::text[],
                        \(trials.map { $0.basis ?? 0 })::bigint[], \(trials.map { $0.basis != nil })::bool[])
                 AS u(g, s, ge, d, sd, ver, b, bh)
            ON CONFLICT (study_id, generation, slot) DO NOTHING
            RETURNING number
            """
        return try await rows(q).count
    }

    public func claim(worker: String, leaseSeconds: Double) async throws -> TrialClaim? {
        guard let r = try await execute(ClaimStatement(study: studyID, worker: worker, lease: leaseSeconds)).first else { return nil }
        return try Self.decodeClaim(r, worker: worker)
    }

    /// A claim from a row of `number, generation, slot, genome, design, seed, version, attempt, retries`.
    private static func decodeClaim(_ r: PostgresRandomAccessRow, worker: String) throws -> TrialClaim {
        TrialClaim(number: try r["number"].decode(Int64.self), generation: try r["generation"].decode(Int.self),
                   slot: try r["slot"].decode(Int.self), genome: TrialCoding.decodeDoubles(try r["genome"].decode(String.self)),
                   design: try r["design"].decode(String.self), seed: UInt64(bitPattern: try r["seed"].decode(Int64.self)),
                   version: try r["version"].decode(String.self), worker: worker, attempt: try r["attempt"].decode(Int.self),
                   retries: try r["retries"].decode(Int.self))
    }

    @discardableResult
    public func heartbeat(_ claim: TrialClaim, leaseSeconds: Double) async throws -> Bool {
        try await !rows("""
            UPDATE duet_trial SET lease_expires = clock_timestamp() + make_interval(secs => \(leaseSeconds)), heartbeat = clock_timestamp()
            WHERE number = \(claim.number) AND study_id = \(studyID) AND status = 'running' AND worker = \(claim.worker) AND attempt = \(Int64(claim.attempt))
            RETURNING number
            """).isEmpty
    }

    @discardableResult
    public func complete(_ claim: TrialClaim, with r: TrialResult) async throws -> Bool {
        try await !execute(CompleteStatement(study: studyID, claim: claim, result: r)).isEmpty
    }

    /// ``complete(_:with:)`` and ``claim(worker:leaseSeconds:)`` in one statement: one round trip
    /// and one commit (one WAL flush) per trial instead of two. The two updates touch different
    /// rows (the completed trial is `running`, the claimed one `pending`), so they never conflict;
    /// run twice after a lost answer, the completion is accepted again (idempotent) and a second
    /// trial is claimed, the first claim's row being re-queued when its lease expires.
    public func completeAndClaim(_ claim: TrialClaim, with r: TrialResult, worker: String,
                                 leaseSeconds: Double) async throws -> (completed: Bool, next: TrialClaim?) {
        let rs = try await execute(CompleteAndClaimStatement(complete: CompleteStatement(study: studyID, claim: claim, result: r),
                                                             claim: ClaimStatement(study: studyID, worker: worker, lease: leaseSeconds)))
        // Always one row (a LEFT JOIN of one row); its claim columns are NULL when nothing was pending.
        guard let row = rs.first else { return (false, nil) }
        let completed = try row["completed"].decode(Bool.self)
        guard try row["number"].decode(Int64?.self) != nil else { return (completed, nil) }
        return (completed, try Self.decodeClaim(row, worker: worker))
    }

    // MARK: Prepared statements (a worker's per-trial calls)

    /// Runs a statement prepared on the connection (parsed and planned once per connection rather
    /// than at every call), reconnecting as ``withConnection(_:)`` does.
    private func execute<S: PostgresPreparedStatement>(_ statement: S) async throws -> [PostgresRandomAccessRow] where S.Row == PostgresRandomAccessRow {
        if readOnly { throw InputError(file: url.description, message: "the study was opened read-only", hint: "this command only reads studies") }
        return try await withConnection { c in
            var out: [PostgresRandomAccessRow] = []
            for try await row in try await c.execute(statement, logger: logger) { out.append(row) }
            return out
        }
    }

    /// ``claim(worker:leaseSeconds:)``: the pending trial with the lowest (generation, slot), its
    /// row locked with `FOR UPDATE SKIP LOCKED` so concurrent claimers never wait nor share.
    struct ClaimStatement: PostgresPreparedStatement {
        static let name = "duet_claim_v1"
        /// The UPDATE, with its parameters from `$first` on (study, worker, lease seconds); `after`:
        /// a condition without columns that the candidates' scan evaluates once before it starts.
        static func update(first k: Int, after gate: String = "true") -> String {
            """
            UPDATE duet_trial t SET status = 'running', worker = $\(k + 1), attempt = t.attempt + 1,
                   lease_expires = clock_timestamp() + make_interval(secs => $\(k + 2)), heartbeat = clock_timestamp()
            FROM (SELECT number FROM duet_trial WHERE study_id = $\(k) AND status = 'pending' AND \(gate)
                  ORDER BY generation, slot LIMIT 1 FOR UPDATE SKIP LOCKED) p
            WHERE t.number = p.number
            RETURNING t.number, t.generation, t.slot, t.genome, t.design, t.seed, t.version, t.attempt, t.retries
            """
        }
        static let sql = update(first: 1)
        typealias Row = PostgresRandomAccessRow
        var study: Int64, worker: String, lease: Double
        func append(to b: inout PostgresBindings) { b.append(study); b.append(worker); b.append(lease) }
        func makeBindings() -> PostgresBindings { var b = PostgresBindings(capacity: 3); append(to: &b); return b }
        func decodeRow(_ row: PostgresRow) throws -> Row { row.makeRandomAccess() }
    }

    /// ``complete(_:with:)``: stores the result if the claim is held (or its trial was completed
    /// by this very claim: a repeated call).
    struct CompleteStatement: PostgresPreparedStatement {
        static let name = "duet_complete_v1"
        /// The UPDATE, with its parameters from `$first` on (study, number, worker, attempt,
        /// metrics, objectives, constraints, violation, seconds).
        static func update(first k: Int) -> String {
            """
            UPDATE duet_trial SET status = 'complete', metrics = $\(k + 4), objectives = $\(k + 5), constraints = $\(k + 6),
                   violation = $\(k + 7), seconds = $\(k + 8), error = NULL, lease_expires = NULL,
                   finished_at = coalesce(finished_at, clock_timestamp())
            WHERE number = $\(k + 1) AND study_id = $\(k) AND status IN ('running', 'complete') AND worker = $\(k + 2) AND attempt = $\(k + 3)
            RETURNING number
            """
        }
        static let sql = update(first: 1)
        typealias Row = PostgresRandomAccessRow
        var study: Int64, claim: TrialClaim, result: TrialResult
        func append(to b: inout PostgresBindings) {
            b.append(study); b.append(claim.number); b.append(claim.worker); b.append(Int64(claim.attempt))
            b.append(TrialCoding.encode(result.metrics)); b.append(TrialCoding.encode(result.objectives))
            b.append(TrialCoding.encode(result.constraints)); b.append(TrialCoding.storedViolation(result.violation)); b.append(result.seconds)
        }
        func makeBindings() -> PostgresBindings { var b = PostgresBindings(capacity: 9); append(to: &b); return b }
        func decodeRow(_ row: PostgresRow) throws -> Row { row.makeRandomAccess() }
    }

    /// ``completeAndClaim(_:with:worker:leaseSeconds:)``: both updates in one statement, one row back.
    ///
    /// The completion runs to its end before the claim's scan starts (the scan's one-time
    /// condition reads it). That order keeps the statement free of deadlocks: a claimer in READ
    /// COMMITTED also locks rows that its snapshot still saw pending but that were claimed since
    /// (it follows them to their latest version, finds them no longer pending and skips them, still
    /// locked until it commits), so a completion may wait for another worker's claim to commit;
    /// it then waits holding no lock of its own, while a claim never waits (SKIP LOCKED). With the
    /// claim first (the order PostgreSQL picks otherwise), two workers could each hold such a lock
    /// on the trial the other completes: a deadlock, seen once in 60,000 trials of `duet-bench study`.
    struct CompleteAndClaimStatement: PostgresPreparedStatement {
        static let name = "duet_complete_and_claim_v2"
        static let sql = """
            WITH d AS (\(CompleteStatement.update(first: 1))),
                 c AS (\(ClaimStatement.update(first: 10, after: "(SELECT count(*) FROM d) >= 0")))
            SELECT EXISTS (SELECT 1 FROM d) AS completed, c.* FROM (VALUES (1)) AS one (x) LEFT JOIN c ON true
            """
        typealias Row = PostgresRandomAccessRow
        var complete: CompleteStatement, claim: ClaimStatement
        func makeBindings() -> PostgresBindings {
            var b = PostgresBindings(capacity: 12)
            complete.append(to: &b); claim.append(to: &b)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { row.makeRandomAccess() }
    }

    @discardableResult
    public func fail(_ claim: TrialClaim, reason: String, seconds: Double, retry: Bool, maxRetries: Int) async throws -> FailOutcome {
        guard let r = try await rows("""
            UPDATE duet_trial SET
                status = CASE WHEN \(retry) AND retries < \(Int64(maxRetries)) THEN 'pending' ELSE 'failed' END,
                violation = CASE WHEN \(retry) AND retries < \(Int64(maxRetries)) THEN violation ELSE 1e308 END,
                seconds = CASE WHEN \(retry) AND retries < \(Int64(maxRetries)) THEN seconds ELSE \(seconds) END,
                finished_at = CASE WHEN \(retry) AND retries < \(Int64(maxRetries)) THEN finished_at ELSE clock_timestamp() END,
                retries = CASE WHEN \(retry) AND retries < \(Int64(maxRetries)) THEN retries + 1 ELSE retries END,
                error = \(reason), lease_expires = NULL
            WHERE number = \(claim.number) AND study_id = \(studyID) AND status = 'running' AND worker = \(claim.worker) AND attempt = \(Int64(claim.attempt))
            RETURNING status, retries
            """).first else { return .claimLost }
        return try r["status"].decode(String.self) == "pending" ? .requeued(retries: try r["retries"].decode(Int.self)) : .failed
    }

    @discardableResult
    public func reclaimStale(maxRetries: Int) async throws -> ReclaimReport {
        let m = Int64(maxRetries)
        let statuses = try await rows("""
            UPDATE duet_trial SET
                status = CASE WHEN retries < \(m) THEN 'pending' ELSE 'failed' END,
                error = 'lease of worker ' || coalesce(worker, '?') || ' expired without a heartbeat (attempt ' || attempt::text || ')'
                        || CASE WHEN retries < \(m) THEN '; re-queued (retry ' || (retries + 1)::text || ' of ' || \(m)::bigint::text || ')'
                                ELSE '; no retries left (' || \(m)::bigint::text || ' used): recorded as failed' END,
                violation = CASE WHEN retries < \(m) THEN violation ELSE 1e308 END,
                finished_at = CASE WHEN retries < \(m) THEN finished_at ELSE clock_timestamp() END,
                retries = CASE WHEN retries < \(m) THEN retries + 1 ELSE retries END,
                lease_expires = NULL
            WHERE study_id = \(studyID) AND status = 'running' AND lease_expires < clock_timestamp()
            RETURNING status
            """).map { try $0["status"].decode(String.self) }
        return ReclaimReport(requeued: statuses.filter { $0 == "pending" }.count, failed: statuses.filter { $0 == "failed" }.count)
    }

    /// Gives finish orders to the trials finished (through the queue) since the last call, in the
    /// order of their finishing times: one statement that takes the study's counter first, so
    /// concurrent callers are serialized and every reader sees a prefix of the orders. Completions
    /// themselves take no study-wide lock (the coordination benchmark's throughput), so on
    /// PostgreSQL a finish order is given when a steady-state proposer first looks.
    private func orderFinishedTrials() async throws {
        _ = try await rows("""
            WITH f AS (SELECT number, row_number() OVER (ORDER BY finished_at, number) AS k FROM duet_trial
                       WHERE study_id = \(studyID) AND finish_order IS NULL AND finished_at IS NOT NULL),
                 c AS (UPDATE duet_study SET finished = finished + (SELECT count(*) FROM f)
                       WHERE id = \(studyID) AND EXISTS (SELECT 1 FROM f)
                       RETURNING finished - (SELECT count(*) FROM f) AS base)
            UPDATE duet_trial t SET finish_order = (SELECT base FROM c) + f.k FROM f
            WHERE t.number = f.number AND t.finish_order IS NULL
            RETURNING t.number
            """)
    }

    public func finishedTrials(afterFinishOrder finishOrder: Int64, limit: Int) async throws -> [TrialRecord] {
        guard trialColumns == Self.trialColumns else { return [] }   // schema 2, read-only: no finish orders
        if !readOnly { try await orderFinishedTrials() }
        return try await rows("""
            SELECT \(unescaped: trialColumns) FROM duet_trial
            WHERE study_id = \(studyID) AND finish_order > \(finishOrder) ORDER BY finish_order LIMIT \(Int64(max(1, limit)))
            """).map(Self.decodeTrial)
    }

    public func lastProposal() async throws -> (generation: Int, slot: Int)? {
        guard let r = try await rows("""
            SELECT generation, slot FROM duet_trial WHERE study_id = \(studyID) ORDER BY generation DESC, slot DESC LIMIT 1
            """).first else { return nil }
        return (generation: try r["generation"].decode(Int.self), slot: try r["slot"].decode(Int.self))
    }

    public func hasGenome(_ genome: [Double], before generation: Int, slot: Int) async throws -> Bool {
        let g = Int64(generation), s = Int64(slot)
        return try await !rows("""
            SELECT number FROM duet_trial WHERE study_id = \(studyID) AND genome = \(TrialCoding.encode(genome))
            AND (generation < \(g) OR (generation = \(g) AND slot < \(s))) LIMIT 1
            """).isEmpty
    }

    public func trials(generation: Int) async throws -> [Int: TrialRecord] {
        let rs = try await rows("SELECT \(unescaped: trialColumns) FROM duet_trial WHERE study_id = \(studyID) AND generation = \(Int64(generation))")
        return Dictionary(try rs.map { r in let t = try Self.decodeTrial(r); return (t.slot, t) }, uniquingKeysWith: { a, _ in a })
    }

    public func trialPage(after cursor: Int64?, limit: Int) async throws -> (trials: [TrialRecord], next: Int64?) {
        let rs = try await rows("""
            SELECT number, \(unescaped: trialColumns) FROM duet_trial
            WHERE study_id = \(studyID) AND number > \(cursor ?? 0) ORDER BY number LIMIT \(Int64(limit))
            """)
        let next: Int64? = rs.count == limit ? try rs.last?["number"].decode(Int64.self) : nil
        return (try rs.map(Self.decodeTrial), next)
    }

    public func counts() async throws -> TrialCounts {
        try await withConnection { c in try await Self.summaries(c, studyID: studyID, logger: logger) }.first?.counts ?? TrialCounts()
    }

    public func listStudies() async throws -> [StudySummary] {
        try await withConnection { c in try await Self.summaries(c, studyID: nil, logger: logger) }
    }

    public func close() async throws {
        if !connection.isClosed { try await connection.close() }
    }

    /// A store released without ``close()`` (an error path, a command that returns) closes its
    /// connection in the background; the completion handler keeps the connection alive until then.
    deinit {
        let c = connection
        if !c.isClosed { c.close().whenComplete { _ in _ = c } }
    }
}
#endif
