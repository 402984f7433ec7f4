// swift-tools-version: 6.1
// Duet — co-design of neural networks and the hardware that runs them.
// Layering: each target imports only targets of lower layers; docs/ARCHITECTURE.md gives every target its layer and imports (the list below is grouped, not ordered).
import PackageDescription

let package = Package(
    name: "Duet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "duet", targets: ["duet"]),
        // MARK: - Public API
        .library(name: "DuetCore", targets: ["DuetCore"]),
        .library(name: "DuetWorkload", targets: ["DuetWorkload"]),
        .library(name: "DuetSearch", targets: ["DuetSearch"]),
        .library(name: "DuetReport", targets: ["DuetReport"]),
        .library(name: "DuetHardware", targets: ["DuetHardware"]),
        .library(name: "DuetCostModel", targets: ["DuetCostModel"]),
        .library(name: "DuetONNX", targets: ["DuetONNX"]),
        .library(name: "DuetStudy", targets: ["DuetStudy"]),
        .library(name: "DuetExplore", targets: ["DuetExplore"]),
        .library(name: "DuetSolver", targets: ["DuetSolver"]),
        .library(name: "DuetPredict", targets: ["DuetPredict"]),
        .library(name: "DuetServe", targets: ["DuetServe"]),
        .library(name: "DuetDashboard", targets: ["DuetDashboard"]),
    ],
    // Both on by default (`swift build`, `make build`, `make test`). `make demo` turns them off
    // (`--disable-default-traits`): the SwiftNIO/BoringSSL/Hummingbird graph they need is more than half
    // of a clean release build, and the demo (SQLite study, report) needs neither. Without them,
    // `postgresql://` study URLs and `duet dashboard` fail with a message saying how to build them in.
    traits: [
        .trait(name: "PostgreSQL", description: "PostgreSQL studies (postgres-nio): postgresql:// URLs for study, explore and worker."),
        .trait(name: "Dashboard", description: "`duet dashboard`, the live web view of a study (Hummingbird)."),
        .default(enabledTraits: ["PostgreSQL", "Dashboard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `duet dashboard`'s HTTP server; swift-configuration support is not needed (trait off).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        // Already in the graph through postgres-nio and Hummingbird; the dashboard names their types (Logger, IOError, ServiceGroup).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: - Public API
        .target(name: "DuetCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "DuetWorkload", dependencies: ["DuetCore", "DuetReport"]),
        .target(name: "DuetSearch", dependencies: ["DuetCore"]),
        .target(name: "DuetReport", dependencies: ["DuetCore"]),
        .target(name: "DuetHardware", dependencies: ["DuetCore", "DuetReport", "DuetWorkload"]),
        .target(name: "DuetCostModel", dependencies: ["DuetCore", "DuetReport", "DuetWorkload", "DuetHardware"]),
        // ONNX protobuf code is generated once (`make proto`) and committed; builds never run protoc.
        // Studies: SQLite (GRDB, embedded, the default) and PostgreSQL (postgres-nio) behind one StudyStore protocol.
        .target(name: "DuetStudy", dependencies: ["DuetCore", .product(name: "GRDB", package: "GRDB.swift"),
                                                  .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"]))]),
        // Co-exploration: wires spaces, cost models, accuracy sources, optimizers and studies.
        .target(name: "DuetExplore", dependencies: ["DuetCore", "DuetWorkload", "DuetHardware", "DuetCostModel", "DuetSearch", "DuetSolver", "DuetStudy", "DuetReport", "DuetPredict", "DuetONNX"]),
        // The Z3 C API (Debian's libz3-dev) and the solver built on it.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", pkgConfig: "z3", providers: [.apt(["libz3-dev"]), .brew(["z3"])]),
        .target(name: "DuetSolver", dependencies: ["CZ3", "DuetCore", "DuetWorkload", "DuetHardware", "DuetCostModel"]),
        // The XGBoost C API (Debian's libxgboost-dev) and the predictors built on it (features from the
        // lowered networks, fits, the predictor file, surrogate-assisted search).
        .systemLibrary(name: "CXGBoost", path: "Sources/CXGBoost", pkgConfig: "xgboost", providers: [.apt(["libxgboost-dev"]), .brew(["xgboost"])]),
        .target(name: "DuetPredict", dependencies: ["CXGBoost", "DuetCore", "DuetReport", "DuetWorkload", "DuetSearch"]),
        // `duet serve`: the JSON-RPC evaluation server (dispatch, caches, JSON-lines transports) over the library.
        .target(name: "DuetServe", dependencies: ["DuetCore", "DuetWorkload", "DuetHardware", "DuetCostModel", "DuetSearch", "DuetSolver", "DuetStudy", "DuetExplore", "DuetReport"]),
        // `duet dashboard`: a read-only HTTP server (Hummingbird) showing a study live; its HTML/JS ships as Swift strings.
        .target(name: "DuetDashboard", dependencies: ["DuetCore", "DuetStudy", "DuetExplore", "DuetReport",
                                                      .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Dashboard"])),
                                                      .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Dashboard"])),
                                                      .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Dashboard"])),
                                                      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Dashboard"]))]),
        .target(name: "DuetONNX", dependencies: ["DuetCore", "DuetWorkload", "DuetHardware", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),

        // MARK: - Executables (thin)
        .executableTarget(
            name: "duet",
            dependencies: [
                "DuetCore", "DuetWorkload", "DuetReport", "DuetHardware", "DuetCostModel", "DuetONNX",
                "DuetSearch", "DuetStudy", "DuetExplore", "DuetSolver", "DuetPredict", "DuetServe", "DuetDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "duet-bench",
            dependencies: [
                "DuetCore", "DuetWorkload", "DuetSearch", "DuetHardware", "DuetCostModel", "DuetExplore", "DuetSolver", "DuetStudy", "DuetPredict",
                "DuetDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests (mirror Sources/)
        // Fixtures shared by test targets (a throwaway PostgreSQL, the `.slow` tag); not a product.
        .target(name: "_DuetTestSupport", path: "Tests/_DuetTestSupport"),
        .testTarget(name: "DuetCoreTests", dependencies: ["DuetCore", "_DuetTestSupport"]),
        .testTarget(name: "DuetWorkloadTests", dependencies: ["DuetWorkload", "_DuetTestSupport"]),
        .testTarget(name: "DuetSearchTests", dependencies: ["DuetSearch", "_DuetTestSupport"]),
        .testTarget(name: "DuetReportTests", dependencies: ["DuetReport", "_DuetTestSupport"]),
        .testTarget(name: "DuetHardwareTests", dependencies: ["DuetHardware", "_DuetTestSupport"]),
        .testTarget(name: "DuetCostModelTests", dependencies: ["DuetCostModel", "_DuetTestSupport"]),
        .testTarget(name: "DuetONNXTests", dependencies: ["DuetONNX", "_DuetTestSupport"]),
        .testTarget(name: "DuetStudyTests", dependencies: ["DuetStudy", "_DuetTestSupport"]),
        .testTarget(name: "DuetExploreTests", dependencies: ["DuetExplore", "DuetPredict", "_DuetTestSupport"]),
        .testTarget(name: "DuetSolverTests", dependencies: ["DuetSolver", "_DuetTestSupport"]),
        .testTarget(name: "DuetPredictTests", dependencies: ["DuetPredict", "_DuetTestSupport"]),
        .testTarget(name: "DuetDashboardTests", dependencies: ["DuetDashboard", "DuetExplore", "_DuetTestSupport"]),
        .testTarget(name: "DuetServeTests", dependencies: ["DuetServe", "DuetExplore", "_DuetTestSupport"]),
        // Robustness/: the bad-input corpus (cases.json, inputs/), read by RobustnessCorpusTests from the source tree.
        .testTarget(name: "duetTests", dependencies: ["duet", "_DuetTestSupport"], exclude: ["Robustness"]),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: - Fuzz targets (libFuzzer; only when DUET_FUZZ is set, built by `make fuzz`)
// Each is an executable whose top-level code hands its input function to `fuzz(_:)` of
// `_FuzzDriver` (libFuzzer's driver, shared): built with `-sanitize=fuzzer`, never part of normal
// builds or tests.
import Foundation
if ProcessInfo.processInfo.environment["DUET_FUZZ"] != nil {
    package.targets += [
        .target(name: "_FuzzDriver", path: "Fuzz/_FuzzDriver"),
        .executableTarget(name: "FuzzConfig", dependencies: ["_FuzzDriver", "DuetCore", "DuetHardware", "DuetExplore"], path: "Fuzz/FuzzConfig"),
        .executableTarget(name: "FuzzNetwork", dependencies: ["_FuzzDriver", "DuetCore", "DuetWorkload"], path: "Fuzz/FuzzNetwork"),
        .executableTarget(name: "FuzzTable", dependencies: ["_FuzzDriver", "DuetCore", "DuetHardware"], path: "Fuzz/FuzzTable"),
        .executableTarget(name: "FuzzONNX", dependencies: ["_FuzzDriver", "DuetCore", "DuetONNX"], path: "Fuzz/FuzzONNX"),
    ]
    package.products += ["FuzzConfig", "FuzzNetwork", "FuzzTable", "FuzzONNX"].map { .executable(name: $0, targets: [$0]) }
}
