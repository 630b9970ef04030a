// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftTrain",
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Metrics", targets: ["Metrics"]),
        .library(name: "Distributed", targets: ["Distributed"]),
        .library(name: "OpenMPI", targets: ["OpenMPI"]),
        .library(name: "Events", targets: ["Events"]),
        .library(name: "Structured", targets: ["Structured"]),
    ],
    targets: [
        // MARK: - Public API, cut along dependencies: only OpenMPI links MPI, only Datasets zlib.

        .target(name: "TensorCore", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "Datasets", dependencies: ["TensorCore", "CZlib"]),
        .target(name: "Metrics", dependencies: ["TensorCore"]),
        .target(name: "Distributed", dependencies: ["TensorCore"]),
        .target(name: "OpenMPI", dependencies: ["Distributed", "TensorCore", "CMPI"]),
        .target(name: "Events", dependencies: ["TensorCore", "Metrics", "Distributed"]),
        .target(name: "Structured", dependencies: ["TensorCore", "Metrics", "Events", "Distributed"]),

        // MARK: - Implementation details (not API)

        // Hot loops compiled for several instruction sets through per-function target attributes,
        // one dispatch choosing the best the CPU runs (no unsafe flags: usable as a dependency).
        .target(name: "CKernels"),

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
        .target(name: "MNISTModels", dependencies: ["TensorCore", "Datasets", "Distributed"], path: "Examples/MNISTModels"),
        .target(name: "MNISTRuns", dependencies: ["TensorCore", "Datasets", "Metrics", "Events", "Structured", "Distributed", "OpenMPI", "MNISTModels"],
                path: "Examples/MNISTRuns"),
        .executableTarget(name: "mnist-core", dependencies: ["MNISTRuns"], path: "Examples/MNISTCore"),
        .executableTarget(name: "mnist-events", dependencies: ["MNISTRuns"], path: "Examples/MNISTEvents"),
        .executableTarget(name: "mnist-structured", dependencies: ["MNISTRuns"], path: "Examples/MNISTStructured"),
        .target(name: "CharLM", dependencies: ["TensorCore", "Datasets", "Events", "Structured", "MNISTModels"], path: "Examples/CharLM"),
        .executableTarget(name: "char-lm", dependencies: ["CharLM", "MNISTModels", "TensorCore"], path: "Examples/CharLMMain"),
        .executableTarget(name: "char-lm-compare", dependencies: ["CharLM", "MNISTModels", "Distributed", "TensorCore"], path: "Examples/CharLMCompare"),
        .target(name: "MNISTGAN", dependencies: ["TensorCore", "Datasets", "Events", "Structured", "MNISTModels"], path: "Examples/MNISTGAN"),
        .executableTarget(name: "mnist-gan", dependencies: ["MNISTGAN"], path: "Examples/MNISTGANMain"),
        .executableTarget(name: "mnist-gan-compare", dependencies: ["MNISTGAN", "MNISTModels"], path: "Examples/MNISTGANCompare"),
        .executableTarget(name: "checkpoint-tool", dependencies: ["TensorCore"], path: "Examples/CheckpointTool"),
        .executableTarget(name: "mnist-compare", dependencies: ["MNISTModels", "Distributed", "TensorCore"], path: "Examples/MNISTCompare"),

        // MARK: - Tests

        .target(name: "TestSupport", dependencies: ["TensorCore", "Datasets"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TensorCore", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TensorCore", "Distributed", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "EventsTests", dependencies: ["Events", "Distributed", "Metrics", "TensorCore", "TestSupport"], exclude: ["Interop"]),
        .testTarget(name: "StructuredTests", dependencies: ["Structured", "Events", "Metrics", "TensorCore", "TestSupport"]),
        .testTarget(name: "ComparisonTests", dependencies: ["MNISTRuns", "MNISTModels", "Events", "Datasets", "TensorCore", "TestSupport"], exclude: ["Interop"]),
        .testTarget(name: "CharLMTests", dependencies: ["CharLM", "Datasets", "TensorCore", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "OpenMPI", "Structured", "Events", "Metrics", "TensorCore", "TestSupport"],
                    exclude: ["Fixtures"]),
    ]
)
