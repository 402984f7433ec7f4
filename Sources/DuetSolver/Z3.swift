import CZ3
import Foundation

/// A thrown Z3 error (sort mismatch, invalid argument, …), instead of Z3 exiting the process.
public struct Z3Error: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The truthful answer of a check.
public enum Z3Status: String, Sendable { case sat, unsat, unknown }

/// A Z3 context with reference-counted handles. Every call is followed by an error check that
/// throws a ``Z3Error``.
///
/// Z3 objects are not thread-safe, so contexts, terms, solvers and optimizers are not `Sendable`:
/// each is created, used and released by one task. The one exception is ``interrupt()``, which Z3
/// documents as safe from any thread (it only sets a flag the running check polls); that is what
/// the deadline watchdog of ``Z3Solver/check(deadline:)`` calls from its own task, through
/// ``Z3Context/Interrupter`` — the only Sendable view of a context.
public final class Z3Context {
    let raw: Z3_context

    public init() {
        let cfg = Z3_mk_config()
        raw = Z3_mk_context_rc(cfg)
        Z3_del_config(cfg)
        // Without a handler Z3 prints the error and exits; with this one it records the code,
        // which `check()` turns into a Swift error.
        Z3_set_error_handler(raw) { _, _ in }
    }

    deinit { Z3_del_context(raw) }

    func check() throws {
        let code = Z3_get_error_code(raw)
        if code != Z3_OK { throw Z3Error(description: String(cString: Z3_get_error_msg(raw, code))) }
    }

    /// Z3's version, e.g. "4.8.12".
    public static var version: String {
        var major: UInt32 = 0, minor: UInt32 = 0, build: UInt32 = 0, rev: UInt32 = 0
        Z3_get_version(&major, &minor, &build, &rev)
        return "\(major).\(minor).\(build)"
    }

    /// Builds a parameter set with Z3's `timeout` (milliseconds) and hands it to `apply`.
    func withTimeoutParams(_ seconds: Double, _ apply: (Z3_params?) -> Void) {
        let p = Z3_mk_params(raw)
        Z3_params_inc_ref(raw, p)
        Z3_params_set_uint(raw, p, Z3_mk_string_symbol(raw, "timeout"), UInt32(min(4e9, max(1, seconds * 1000))))
        apply(p)
        Z3_params_dec_ref(raw, p)
    }

    /// The value of an integer (or Boolean: 0/1) term in `model` (which this call releases).
    func value(_ t: Z3Term, in model: Z3_model?) throws -> Int64 {
        guard let m = model else { throw Z3Error(description: "no model") }
        Z3_model_inc_ref(raw, m)
        defer { Z3_model_dec_ref(raw, m) }
        var out: Z3_ast?
        guard Z3_model_eval(raw, m, t.ast, true, &out), let out else { throw Z3Error(description: "cannot evaluate \(t.description)") }
        Z3_inc_ref(raw, out)
        defer { Z3_dec_ref(raw, out) }
        if Z3_get_sort_kind(raw, Z3_get_sort(raw, out)) == Z3_BOOL_SORT { return Z3_get_bool_value(raw, out) == Z3_L_TRUE ? 1 : 0 }
        var v: Int64 = 0
        guard Z3_get_numeral_int64(raw, out, &v) else { throw Z3Error(description: "not an integer: \(t.description)") }
        return v
    }

    /// Interrupts a running check from another thread (used for timeouts).
    public func interrupt() { Z3_interrupt(raw) }

    /// The Sendable view of a context that can only interrupt it (keeping it alive meanwhile).
    public struct Interrupter: @unchecked Sendable {
        // Safe: the only call made through it is Z3_interrupt, which Z3 allows from any thread.
        let context: Z3Context
        public func interrupt() { context.interrupt() }
    }

    public var interrupter: Interrupter { Interrupter(context: self) }

    // MARK: Terms

    func wrap(_ a: Z3_ast?) throws -> Z3Term {
        try check()
        guard let a else { throw Z3Error(description: "Z3 returned no term") }
        return Z3Term(self, a)
    }

    public func int(_ v: Int64) throws -> Z3Term { try wrap(Z3_mk_int64(raw, v, Z3_mk_int_sort(raw))) }
    public func bool(_ v: Bool) throws -> Z3Term { try wrap(v ? Z3_mk_true(raw) : Z3_mk_false(raw)) }
    public func intVar(_ name: String) throws -> Z3Term {
        try wrap(Z3_mk_const(raw, Z3_mk_string_symbol(raw, name), Z3_mk_int_sort(raw)))
    }
    public func boolVar(_ name: String) throws -> Z3Term {
        try wrap(Z3_mk_const(raw, Z3_mk_string_symbol(raw, name), Z3_mk_bool_sort(raw)))
    }

    private func nary(_ terms: [Z3Term], _ f: (Z3_context?, UInt32, UnsafePointer<Z3_ast?>?) -> Z3_ast?) throws -> Z3Term {
        let asts: [Z3_ast?] = terms.map(\.ast)
        return try withExtendedLifetime(terms) { try asts.withUnsafeBufferPointer { try wrap(f(raw, UInt32($0.count), $0.baseAddress)) } }
    }

    public func sum(_ terms: [Z3Term]) throws -> Z3Term { terms.isEmpty ? try int(0) : try nary(terms, Z3_mk_add) }
    public func and(_ terms: [Z3Term]) throws -> Z3Term { terms.isEmpty ? try bool(true) : try nary(terms, Z3_mk_and) }
    public func or(_ terms: [Z3Term]) throws -> Z3Term { terms.isEmpty ? try bool(false) : try nary(terms, Z3_mk_or) }
    /// `k · a` for a constant `k`.
    public func mul(_ k: Int64, _ a: Z3Term) throws -> Z3Term { try nary([try int(k), a], Z3_mk_mul) }
    public func not(_ a: Z3Term) throws -> Z3Term { try wrap(Z3_mk_not(raw, a.ast)) }
    public func ite(_ c: Z3Term, _ t: Z3Term, _ e: Z3Term) throws -> Z3Term { try wrap(Z3_mk_ite(raw, c.ast, t.ast, e.ast)) }
    public func eq(_ a: Z3Term, _ b: Z3Term) throws -> Z3Term { try wrap(Z3_mk_eq(raw, a.ast, b.ast)) }
    public func le(_ a: Z3Term, _ b: Z3Term) throws -> Z3Term { try wrap(Z3_mk_le(raw, a.ast, b.ast)) }
    public func ge(_ a: Z3Term, _ b: Z3Term) throws -> Z3Term { try wrap(Z3_mk_ge(raw, a.ast, b.ast)) }
    public func lt(_ a: Z3Term, _ b: Z3Term) throws -> Z3Term { try wrap(Z3_mk_lt(raw, a.ast, b.ast)) }
    public func implies(_ a: Z3Term, _ b: Z3Term) throws -> Z3Term { try wrap(Z3_mk_implies(raw, a.ast, b.ast)) }
}

/// A term (AST) holding a reference in its context; released when the last Swift reference goes.
public final class Z3Term {
    let context: Z3Context
    let ast: Z3_ast
    init(_ c: Z3Context, _ a: Z3_ast) {
        context = c
        ast = a
        Z3_inc_ref(c.raw, a)
    }
    deinit { Z3_dec_ref(context.raw, ast) }
    public var description: String { String(cString: Z3_ast_to_string(context.raw, ast)) }
}

/// A satisfiability solver with tracked assertions (for unsat cores) and a timeout that is
/// honoured by interrupting Z3 from a watchdog when its own timeout is not.
public final class Z3Solver {
    let context: Z3Context
    let raw: Z3_solver
    private var trackers: [(name: String, literal: Z3Term)] = []

    public init(_ c: Z3Context, timeoutSeconds: Double? = nil) throws {
        context = c
        guard let s = Z3_mk_solver(c.raw) else { throw Z3Error(description: "cannot create a solver") }
        raw = s
        Z3_solver_inc_ref(c.raw, s)
        if let timeoutSeconds { c.withTimeoutParams(timeoutSeconds) { Z3_solver_set_params(c.raw, s, $0) } }
        try c.check()
    }

    deinit { Z3_solver_dec_ref(context.raw, raw) }

    public func add(_ t: Z3Term) throws {
        Z3_solver_assert(context.raw, raw, t.ast)
        try context.check()
    }

    /// Asserts `t` under the name `name`, which an unsat core reports.
    public func add(_ t: Z3Term, named name: String) throws {
        let lit = try context.boolVar("track!\(trackers.count)!\(name)")
        Z3_solver_assert_and_track(context.raw, raw, t.ast, lit.ast)
        try context.check()
        trackers.append((name, lit))
    }

    public func push() { Z3_solver_push(context.raw, raw) }
    public func pop() { Z3_solver_pop(context.raw, raw, 1) }

    /// Checks satisfiability; `deadline` interrupts Z3 if it runs past it (a task that sleeps
    /// until the deadline, cancelled as soon as the check returns).
    public func check(deadline: Date? = nil) throws -> Z3Status {
        let watchdog = deadline.map { deadline in
            let interrupter = context.interrupter
            return Task.detached {
                try? await Task.sleep(nanoseconds: UInt64(max(0, deadline.timeIntervalSinceNow) * 1e9))
                if !Task.isCancelled { interrupter.interrupt() }
            }
        }
        let r = Z3_solver_check(context.raw, raw)
        watchdog?.cancel()
        try context.check()
        if r == Z3_L_TRUE { return .sat }
        if r == Z3_L_FALSE { return .unsat }
        return .unknown
    }

    /// Why the last check was unknown (e.g. "timeout", "canceled").
    public var reasonUnknown: String { String(cString: Z3_solver_get_reason_unknown(context.raw, raw)) }

    /// Names of the tracked assertions in the unsat core of the last (unsat) check.
    public func unsatCore() throws -> [String] {
        guard let v = Z3_solver_get_unsat_core(context.raw, raw) else { return [] }
        Z3_ast_vector_inc_ref(context.raw, v)
        defer { Z3_ast_vector_dec_ref(context.raw, v) }
        var names: [String] = []
        for i in 0..<Z3_ast_vector_size(context.raw, v) {
            let a = Z3_ast_vector_get(context.raw, v, i)
            let s = String(cString: Z3_ast_to_string(context.raw, a))
            if let t = trackers.first(where: { $0.literal.description == s }) { names.append(t.name) }
        }
        try context.check()
        return names
    }

    /// The value of an integer (or Boolean: 0/1) term in the model of the last (sat) check.
    public func value(_ t: Z3Term) throws -> Int64 { try context.value(t, in: Z3_solver_get_model(context.raw, raw)) }
}

/// Z3's optimizer for one integer objective, reporting the proven bound: a result is optimal
/// only when Z3's lower and upper bounds meet.
public final class Z3Optimizer {
    let context: Z3Context
    let raw: Z3_optimize

    public init(_ c: Z3Context, timeoutSeconds: Double? = nil) throws {
        context = c
        guard let o = Z3_mk_optimize(c.raw) else { throw Z3Error(description: "cannot create an optimizer") }
        raw = o
        Z3_optimize_inc_ref(c.raw, o)
        if let timeoutSeconds { c.withTimeoutParams(timeoutSeconds) { Z3_optimize_set_params(c.raw, o, $0) } }
        try c.check()
    }

    deinit { Z3_optimize_dec_ref(context.raw, raw) }

    public func add(_ t: Z3Term) throws {
        Z3_optimize_assert(context.raw, raw, t.ast)
        try context.check()
    }

    /// Optimizes `objective`; returns the status, the model's value and Z3's proven bound
    /// (upper for maximize, lower for minimize).
    public func optimize(_ objective: Z3Term, maximize: Bool) throws -> (status: Z3Status, value: Int64?, bound: Int64?, model: [Int64]?) {
        let idx = maximize ? Z3_optimize_maximize(context.raw, raw, objective.ast) : Z3_optimize_minimize(context.raw, raw, objective.ast)
        try context.check()
        let r = Z3_optimize_check(context.raw, raw, 0, nil)
        try context.check()
        guard r == Z3_L_TRUE else { return (r == Z3_L_FALSE ? .unsat : .unknown, nil, nil, nil) }
        let boundAst = maximize ? Z3_optimize_get_upper(context.raw, raw, idx) : Z3_optimize_get_lower(context.raw, raw, idx)
        var bound: Int64 = 0
        let hasBound = boundAst.map { Z3_get_numeral_int64(context.raw, $0, &bound) } ?? false
        return (.sat, try value(objective), hasBound ? bound : nil, nil)
    }

    public func value(_ t: Z3Term) throws -> Int64 { try context.value(t, in: Z3_optimize_get_model(context.raw, raw)) }
}
