// swift-tools-version:6.0
// A user's package that trains on one process with both frontends: it must build and link
// without OpenMPI (Scripts/check-modules.sh builds it with MPI hidden from pkg-config). The same
// build compiles the README's quick starts, which the script extracts into Sources/.
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [.package(name: "SwiftTrain", path: "../..")],
    targets: [
        .executableTarget(
            name: "consumer",
            dependencies: [.product(name: "Structured", package: "SwiftTrain"), .product(name: "Events", package: "SwiftTrain"),
                           .product(name: "Metrics", package: "SwiftTrain"), .product(name: "Datasets", package: "SwiftTrain")],
            path: "Sources"),
    ]
)
