import COpenBLAS
import Foundation

// Matrix products. Every product in the package goes through `gemm`, the one call into BLAS.

extension Kernels {
    /// One matrix operand as BLAS sees it: a pointer, whether BLAS must transpose it, and the
    /// row length of its storage (the leading dimension).
    struct MatrixOperand {
        let base: UnsafePointer<Float>
        let transposed: Bool
        let leadingDimension: Int
        /// Elements between consecutive matrices of a batch (0 when one matrix serves all).
        let batchStride: Int
    }

    /// `C = A·B` (+ `beta`·C) for row-major matrices, with `A` `m`×`k` and `B` `k`×`n` after the
    /// operands' transpose flags are applied.
    @inline(__always)
    static func gemm(_ a: MatrixOperand, _ b: MatrixOperand, into c: UnsafeMutablePointer<Float>,
                     m: Int, n: Int, k: Int, beta: Float = 0, resultLeadingDimension: Int? = nil) {
        _ = blasConfiguration
        cblas_sgemm(
            CblasRowMajor,
            a.transposed ? CblasTrans : CblasNoTrans,
            b.transposed ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            1, a.base, Int32(a.leadingDimension),
            b.base, Int32(b.leadingDimension),
            beta, c, Int32(resultLeadingDimension ?? n))
    }

    /// The matrix product of the last two axes of `a` and `b`, batched over leading axes.
    ///
    /// `a` is `[batch..., m, k]` and `b` is `[batch..., k, n]`, or either is a single matrix used
    /// for every batch entry. Transposed views are read through BLAS's transpose flag, never
    /// copied.
    static func matmul(_ a: Tensor, _ b: Tensor, resultShape: [Int], batch: Int,
                       m: Int, n: Int, k: Int) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        let c = result.storage.base
        a.withMatrixStorage { pa in
            b.withMatrixStorage { pb in
                let batchA = a.rank == 2 ? 0 : m * k, batchB = b.rank == 2 ? 0 : k * n
                let opA = MatrixOperand(base: pa, transposed: a.isTransposedView,
                                        leadingDimension: a.isTransposedView ? m : k, batchStride: batchA)
                let opB = MatrixOperand(base: pb, transposed: b.isTransposedView,
                                        leadingDimension: b.isTransposedView ? k : n, batchStride: batchB)
                if batchB == 0 && !opA.transposed {
                    // A stack of row-major matrices times one matrix is one tall product.
                    gemm(opA, opB, into: c, m: batch * m, n: n, k: k)
                    return
                }
                for entry in 0..<batch {
                    gemm(MatrixOperand(base: pa + entry * batchA, transposed: opA.transposed,
                                       leadingDimension: opA.leadingDimension, batchStride: 0),
                         MatrixOperand(base: pb + entry * batchB, transposed: opB.transposed,
                                       leadingDimension: opB.leadingDimension, batchStride: 0),
                         into: c + entry * m * n, m: m, n: n, k: k)
                }
            }
        }
        return result
    }

    /// The number of threads OpenBLAS uses for one product.
    static var blasThreads: Int {
        _ = blasConfiguration
        return Int(openblas_get_num_threads())
    }

    /// The name of the kernel family OpenBLAS runs, chosen once before the first product.
    ///
    /// A `DYNAMIC_ARCH` OpenBLAS picks kernels by CPU model, and a release older than the CPU
    /// does not know its model: Debian 12's 0.3.21 falls back to `Prescott`, its SSE3 kernels, on
    /// current Xeons, and multiplies at a fifth of the speed its AVX-512 kernels reach there
    /// (measured: 60 against 300 GFLOP/s at 1024x1024). Only in that case, and only when
    /// `OPENBLAS_CORETYPE` is not set (an explicit choice always wins), the kernel table is
    /// re-initialized for the best family whose instructions the CPU has. The whole test suite,
    /// compared against NumPy and PyTorch, passes under each family.
    static var blasKernels: String { blasSelection.kernels }

    /// The family in use and why: kept as OpenBLAS picked it, re-selected, or kept because the
    /// internals needed to re-select are absent from this OpenBLAS build (then nothing changes).
    static let blasSelection: (kernels: String, reason: String) = {
        let detected = String(cString: openblas_get_corename())
        guard detected.lowercased() == "prescott" else { return (detected, "as OpenBLAS picked it") }
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            return (detected, "OPENBLAS_CORETYPE=\(forced) set")
        }
        guard let quit = openBLASEntry("gotoblas_dynamic_quit"), let initialize = openBLASEntry("gotoblas_dynamic_init") else {
            return (detected, "kept: this OpenBLAS lacks gotoblas_dynamic_init/quit to re-select kernels")
        }
        let family = copenblas_cpu_runs_skylakex_kernels() != 0 ? "SkylakeX"
            : copenblas_cpu_runs_haswell_kernels() != 0 ? "Haswell" : nil
        guard let family else { return (detected, "kept: the CPU runs neither the SkylakeX nor the Haswell kernels") }
        setenv("OPENBLAS_CORETYPE", family, 1)
        quit()
        initialize()
        unsetenv("OPENBLAS_CORETYPE")
        return (String(cString: openblas_get_corename()), "re-selected from \(detected), this OpenBLAS's fallback for an unknown CPU")
    }()

    /// Whether the running OpenBLAS exports `name` (its internals differ between builds).
    static func openBLASProvides(_ name: String) -> Bool { dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) != nil }

    /// Runs once before the first product: the kernel family, then a short spin for OpenBLAS's
    /// worker threads.
    ///
    /// OpenBLAS's workers spin-wait (`sched_yield`) after each threaded product before they
    /// sleep, by default for 2^28 cycles, about a tenth of a second. A training step runs many
    /// small products with other kernels between them, so the workers never slept and held both
    /// cores: every non-BLAS kernel ran at about half speed (2x2 max pooling took 1.5 ms instead
    /// of 0.85). Unless `OPENBLAS_THREAD_TIMEOUT` is set, the pool is restarted with a 2^14-cycle
    /// spin, which keeps back-to-back products fast and frees the cores between them. Measured
    /// for one MNIST epoch: the CNN 8.0 s -> 7.45 s, the MLP unchanged (1.65 s); spins of 2^8 to
    /// 2^20 cycles were within noise of each other.
    static let blasConfiguration: Void = {
        _ = blasKernels
        // Ranks sharing a machine share its cores (see `Parallel.maximumTasks`).
        if ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1 > 1 {
            openblas_set_num_threads(Int32(Parallel.maximumTasks))
        }
        guard ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] == nil,
              let readEnvironment = openBLASEntry("openblas_read_env"),
              let shutdown = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return }
        setenv("OPENBLAS_THREAD_TIMEOUT", "14", 1)
        readEnvironment()
        _ = unsafeBitCast(shutdown, to: (@convention(c) () -> Int32).self)()
        unsetenv("OPENBLAS_THREAD_TIMEOUT")
    }()

    /// An OpenBLAS function taking and returning nothing, looked up at run time: these are
    /// internals a build of OpenBLAS may lack, and then the configuration above is skipped.
    private static func openBLASEntry(_ name: String) -> (@convention(c) () -> Void)? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: (@convention(c) () -> Void).self) }
    }
}

/// Facts about the numeric back end, for logs and benchmark reports.
public enum ComputeBackend {
    /// The OpenBLAS kernel family in use (for example `SkylakeX`, `Haswell`, `Zen`).
    public static var blasKernels: String {
        _ = Kernels.blasConfiguration
        return Kernels.blasKernels
    }
    /// The threads one OpenBLAS product may use.
    public static var blasThreads: Int { Kernels.blasThreads }
    /// Why ``blasKernels`` is what it is: as OpenBLAS picked it, re-selected from its fallback,
    /// or kept (with the reason: `OPENBLAS_CORETYPE` set, or internals absent from this build).
    public static var blasSelection: String {
        _ = Kernels.blasConfiguration
        return Kernels.blasSelection.reason
    }
    /// Whether the running OpenBLAS exports the internal function `name` (the kernel re-selection
    /// needs `gotoblas_dynamic_init` and `gotoblas_dynamic_quit`; without them it does nothing).
    public static func openBLASProvides(_ name: String) -> Bool { Kernels.openBLASProvides(name) }
}

extension Tensor {
    /// Calls `body` with the storage of this tensor as BLAS reads it: row-major elements, or for
    /// a transposed view the row-major elements of its untransposed source.
    func withMatrixStorage<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        body(UnsafePointer(storage.base + offset))
    }
}

extension Kernels {
    /// `x·Wᵀ + b` for `x` `[rows, inputs]` and `W` `[outputs, inputs]`: the bias is written into the
    /// output first and BLAS accumulates the product onto it (beta = 1), so the bias costs no
    /// extra pass.
    static func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, rows: Int, inputs: Int, outputs: Int,
                       resultShape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        let c = result.storage.base
        if let bias {
            bias.withElements { b in
                for row in 0..<rows { (c + row * outputs).update(from: b.baseAddress!, count: outputs) }
            }
        }
        x.withElements { px in
            weight.withElements { pw in
                gemm(MatrixOperand(base: px.baseAddress!, transposed: false, leadingDimension: inputs, batchStride: 0),
                     MatrixOperand(base: pw.baseAddress!, transposed: true, leadingDimension: inputs, batchStride: 0),
                     into: c, m: rows, n: outputs, k: inputs, beta: bias == nil ? 0 : 1)
            }
        }
        return result
    }
}
