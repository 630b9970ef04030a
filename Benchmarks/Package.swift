// swift-tools-version:6.0
// Benchmarks live in their own package so that `swift test` at the root never builds them.
import PackageDescription

let package = Package(
    name: "Benchmarks",
    dependencies: [.package(name: "SwiftTrain", path: "..")],
    targets: [
        // OpenBLAS called directly: the baseline our `matmul` is measured against.
        .systemLibrary(name: "CBLASDirect", path: "Sources/CBLASDirect", pkgConfig: "openblas"),
        .systemLibrary(name: "CMPIDirect", path: "Sources/CMPIDirect", pkgConfig: "ompi-c"),
        .executableTarget(
            name: "allreduce-benchmark",
            dependencies: [.product(name: "Distributed", package: "SwiftTrain"), .product(name: "OpenMPI", package: "SwiftTrain"),
                           .product(name: "TensorCore", package: "SwiftTrain"), "CMPIDirect"],
            path: "Sources/AllReduceBenchmark"),
        .executableTarget(
            name: "scaling-benchmark",
            dependencies: [.product(name: "Distributed", package: "SwiftTrain"), .product(name: "OpenMPI", package: "SwiftTrain"),
                           .product(name: "Events", package: "SwiftTrain"), .product(name: "TensorCore", package: "SwiftTrain")],
            path: "Sources/ScalingBenchmark"),
        .executableTarget(
            name: "zero-memory",
            dependencies: [.product(name: "Distributed", package: "SwiftTrain"), .product(name: "Events", package: "SwiftTrain"),
                           .product(name: "TensorCore", package: "SwiftTrain")],
            path: "Sources/ZeROMemory"),
        .executableTarget(
            name: "tensor-benchmarks",
            dependencies: [.product(name: "TensorCore", package: "SwiftTrain"), .product(name: "Datasets", package: "SwiftTrain"),
                           .product(name: "Events", package: "SwiftTrain"),
                           .product(name: "Structured", package: "SwiftTrain"), "CBLASDirect"],
            path: "Sources/TensorBenchmarks"),
    ]
)
