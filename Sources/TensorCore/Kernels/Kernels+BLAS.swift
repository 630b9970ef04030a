import COpenBLAS

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
                     m: Int, n: Int, k: Int, beta: Float = 0) {
        cblas_sgemm(
            CblasRowMajor,
            a.transposed ? CblasTrans : CblasNoTrans,
            b.transposed ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            1, a.base, Int32(a.leadingDimension),
            b.base, Int32(b.leadingDimension),
            beta, c, Int32(n))
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
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
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
