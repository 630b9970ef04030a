// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftTrain",
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Metrics", targets: ["Metrics"]),
        .library(name: "Distributed", targets: ["Distributed"]),
        .library(name: "Structured", targets: ["Structured"]),
        .library(name: "Events", targets: ["Events"]),
    ],
    targets: [
        // MARK: - Public API

        .target(name: "TensorCore", dependencies: ["COpenBLAS", "CZlib"]),
        .target(name: "Metrics", dependencies: ["TensorCore"]),
        .target(name: "Distributed", dependencies: ["TensorCore", "CMPI"]),
        .target(name: "Structured", dependencies: ["TensorCore", "Metrics", "Events", "Distributed"]),
        .target(name: "Events", dependencies: ["TensorCore", "Metrics"]),

        // MARK: - Implementation details (system libraries; not API)

        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Examples

        .executableTarget(name: "core-demo", dependencies: ["TensorCore"], path: "Examples/CoreDemo"),
        .target(name: "MNISTModels", dependencies: ["TensorCore"], path: "Examples/MNISTModels"),
        .target(name: "MNISTRuns", dependencies: ["TensorCore", "Metrics", "Events", "Structured", "Distributed", "MNISTModels"], path: "Examples/MNISTRuns"),
        .executableTarget(name: "mnist-core", dependencies: ["MNISTRuns"], path: "Examples/MNISTCore"),
        .executableTarget(name: "mnist-events", dependencies: ["MNISTRuns"], path: "Examples/MNISTEvents"),
        .executableTarget(name: "mnist-structured", dependencies: ["MNISTRuns"], path: "Examples/MNISTStructured"),
        .executableTarget(name: "mnist-compare", dependencies: ["MNISTModels", "Distributed", "TensorCore"], path: "Examples/MNISTCompare"),

        // MARK: - Tests

        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TensorCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "EventsTests", dependencies: ["Events", "Metrics", "TensorCore", "TestSupport"]),
        .testTarget(name: "StructuredTests", dependencies: ["Structured", "Events", "Metrics", "TensorCore", "TestSupport"]),
        .testTarget(name: "ComparisonTests", dependencies: ["MNISTRuns", "MNISTModels", "TensorCore", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "Structured", "Events", "Metrics", "TensorCore", "TestSupport"]),
    ]
)
