// Test support (not part of the product): the small co-exploration several test targets run.

/// A small co-exploration: one NAS-Bench-201 task (MACs proxy accuracy) on a chip of 1-2
/// sub-accelerators of one node; 120 evaluations, population 20, seed 3, 2 workers. Tests vary it
/// with `replacingOccurrences`.
public let smallExploreConfig = """
    name: small
    tasks:
      - name: cifar10
        space: nb201
        accuracy: proxy:macs
    target:
      hardware:
        subaccelerators: [1, 2]
        templates: [tpu, nvdla]
        node_nm: 28
        pe_rows: [8, 32]
        pe_cols: [8, 32]
        global_buffer_kib: [64, 256]
    budgets:
      latency_ms: 1.0
      area_mm2: 4
    objectives:
      - maximize: accuracy
      - minimize: latency_ms
    evaluations: 120
    population: 20
    seed: 3
    workers: 2
    """
