import Testing
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetWorkload

/// `dram_channels`: one shared DRAM link (default) or three per-operand channels of a third of
/// `dram_gbps` each (SCALE-Sim's separate ifmap, filter and ofmap interfaces).
@Suite struct DRAMChannelsTests {
    // 1×1 conv, 64 → 128 channels over 56×56, 8-bit words, the whole layer in one buffer tile:
    // DRAM words weights 8,192, inputs 200,704, outputs 401,408 (no refetch, no partial sums).
    static let loops = LoopNest(n: 1, k: 128, c: 64, p: 56, q: 56, r: 1, s: 1)
    static let tiling = BufferTiling(g: 1, k: 128, c: 64, p: 56, order: [.g, .k, .c, .p])
    static let base = ["pe_rows=32", "pe_cols=32", "precision_bits=8", "clock_mhz=1000", "dram_gbps=30",
                       "global_buffer_kib=4096", "glb_words_per_cycle=100000"]
    static let weights: Double = 8_192, inputs: Double = 200_704, outputs: Double = 401_408

    static func quick(_ overrides: [String]) throws -> (LayerModel.Quick, Int64) {
        let hw = try accelerator("tpu", base + overrides)
        let context = LayerModel.Context(loops, hw, macs: try loops.macs())
        return (LayerModel.quick(context, tiling), context.array.computeCycles)
    }

    @Test func doubleBufferedTakesTheBusiestChannel() throws {
        // 30 B/cycle: shared, all 610,304 bytes over one 30 B/cycle link; per operand, the
        // outputs' 401,408 bytes over their own 10 B/cycle channel.
        let shared = (Self.weights + Self.inputs + Self.outputs) / 30
        let perOperand = Self.outputs / 10
        for (channels, expected) in [("shared", shared), ("per_operand", perOperand)] {
            let (q, _) = try Self.quick(["dram_channels=\(channels)"])
            #expect(abs(q.dramCycles - expected) < 1e-6, "\(channels)")
            #expect(q.dramReads == Self.weights + Self.inputs, "the wiring changes time, not traffic")
            #expect(q.dramWrites == Self.outputs)
        }
    }

    @Test func singleBufferedReadsThenWrites() throws {
        // Single-buffered: the inputs' 200,704 bytes (the larger read, beside the weights), then
        // the outputs' 401,408 bytes, each over a 10 B/cycle channel; the shared link carries all.
        let shared = (Self.weights + Self.inputs + Self.outputs) / 30
        let perOperand = (Self.inputs + Self.outputs) / 10
        for (channels, expected) in [("shared", shared), ("per_operand", perOperand)] {
            let (q, compute) = try Self.quick(["double_buffer=false", "dram_channels=\(channels)"])
            #expect(abs(q.dramCycles - expected) < 1e-6, "\(channels)")
            let serial = (Double(compute) + expected).rounded(.up)
            #expect(q.latency == serial, "\(channels)")
        }
    }

    @Test func sharedIsTheDefault() throws {
        let plain = try accelerator("tpu", Self.base)
        #expect(plain.dramChannels == .shared)
        let (a, _) = try Self.quick([])
        let (b, _) = try Self.quick(["dram_channels=shared"])
        #expect(a.latency == b.latency)
    }

    @Test func unknownWiringIsAnInputError() {
        #expect(throws: InputError.self) { try accelerator("tpu", ["dram_channels=split"]) }
    }
}
