// swift-tools-version: 6.1
// Duet — co-design of neural networks and the hardware that runs them.
// Layering (bottom to top; a target imports only targets above it in this list): see docs/ARCHITECTURE.md.
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // MARK: - Public API
        .target(name: "DuetCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "DuetWorkload", dependencies: ["DuetCore"]),
        .target(name: "DuetSearch", dependencies: ["DuetCore"]),
        .target(name: "DuetReport", dependencies: ["DuetCore"]),
        .target(name: "DuetHardware", dependencies: ["DuetCore", "DuetWorkload"]),
        .target(name: "DuetCostModel", dependencies: ["DuetCore", "DuetWorkload", "DuetHardware"]),
        // ONNX protobuf code is generated once (`make proto`) and committed; builds never run protoc.
        .target(name: "DuetStudy", dependencies: ["DuetCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // Co-exploration: wires spaces, cost models, accuracy sources, optimizers and studies.
        .target(name: "DuetExplore", dependencies: ["DuetCore", "DuetWorkload", "DuetHardware", "DuetCostModel", "DuetSearch", "DuetSolver", "DuetStudy", "DuetReport", "DuetPredict"]),
        // The Z3 C API (Debian's libz3-dev) and the solver built on it.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", pkgConfig: "z3", providers: [.apt(["libz3-dev"]), .brew(["z3"])]),
        .target(name: "DuetSolver", dependencies: ["CZ3", "DuetCore", "DuetWorkload", "DuetHardware", "DuetCostModel"]),
        // The XGBoost C API (Debian's libxgboost-dev) and the predictors built on it (features from the
        // lowered networks, fits, the predictor file, surrogate-assisted search).
        .systemLibrary(name: "CXGBoost", path: "Sources/CXGBoost", pkgConfig: "xgboost", providers: [.apt(["libxgboost-dev"]), .brew(["xgboost"])]),
        .target(name: "DuetPredict", dependencies: ["CXGBoost", "DuetCore", "DuetWorkload", "DuetSearch"]),
        .target(name: "DuetONNX", dependencies: ["DuetCore", "DuetWorkload", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),

        // MARK: - Executables (thin)
        .executableTarget(
            name: "duet",
            dependencies: [
                "DuetCore", "DuetWorkload", "DuetReport", "DuetHardware", "DuetCostModel", "DuetONNX",
                "DuetSearch", "DuetStudy", "DuetExplore", "DuetSolver", "DuetPredict",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "duet-bench",
            dependencies: [
                "DuetCore", "DuetWorkload", "DuetSearch", "DuetHardware", "DuetCostModel", "DuetExplore", "DuetSolver", "DuetPredict",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests (mirror Sources/)
        .testTarget(name: "DuetCoreTests", dependencies: ["DuetCore"]),
        .testTarget(name: "DuetWorkloadTests", dependencies: ["DuetWorkload"]),
        .testTarget(name: "DuetSearchTests", dependencies: ["DuetSearch"]),
        .testTarget(name: "DuetReportTests", dependencies: ["DuetReport"]),
        .testTarget(name: "DuetHardwareTests", dependencies: ["DuetHardware"]),
        .testTarget(name: "DuetCostModelTests", dependencies: ["DuetCostModel"]),
        .testTarget(name: "DuetONNXTests", dependencies: ["DuetONNX"]),
        .testTarget(name: "DuetStudyTests", dependencies: ["DuetStudy"]),
        .testTarget(name: "DuetExploreTests", dependencies: ["DuetExplore", "DuetPredict"]),
        .testTarget(name: "DuetSolverTests", dependencies: ["DuetSolver"]),
        .testTarget(name: "DuetPredictTests", dependencies: ["DuetPredict"]),
        .testTarget(name: "duetTests", dependencies: ["duet"]),
    ],
    swiftLanguageModes: [.v6]
)
