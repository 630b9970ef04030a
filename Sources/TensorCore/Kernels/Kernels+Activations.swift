import CKernels

// Transcendental activations through the CKernels loops (vectorized at the active instruction
// set), split across cores. Each result element depends on its own input only, so the split
// never changes a value.

extension Kernels {
    /// `e^x` of every element, vectorized (libm's `expf` is a scalar call).
    static func exp(_ x: Tensor) -> Tensor {
        unary(x) { swifttrain_exp($0, $1, $2) }
    }

    /// `erf` of every element.
    static func erf(_ x: Tensor) -> Tensor {
        unary(x) { swifttrain_erf($0, $1, $2) }
    }

    /// `gradient · d erf(x)/dx`.
    static func erfBackward(_ gradient: Tensor, _ x: Tensor) -> Tensor {
        binary(gradient, x) { swifttrain_erf_backward($0, $1, $2, $3) }
    }

    /// GELU of every element, exact or in the tanh form.
    static func gelu(_ x: Tensor, tanhForm: Bool) -> Tensor {
        unary(x) { swifttrain_gelu($0, $1, $2, tanhForm ? 1 : 0) }
    }

    /// `gradient · GELU'(x)`, exact or in the tanh form.
    static func geluBackward(_ gradient: Tensor, _ x: Tensor, tanhForm: Bool) -> Tensor {
        binary(gradient, x) { swifttrain_gelu_backward($0, $1, $2, $3, tanhForm ? 1 : 0) }
    }

    private static func unary(_ x: Tensor, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape)
        x.withElements { source in
            let s = source.baseAddress!, d = result.storage.base
            Parallel.forEachChunk(count: source.count) { range in body(s + range.lowerBound, d + range.lowerBound, range.count) }
        }
        return result
    }

    private static func binary(_ a: Tensor, _ b: Tensor,
                               _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        guard a.shape == b.shape else { fail("activation backward", "gradient of shape \(a.shape) for an input of shape \(b.shape)") }
        let result = Tensor(uninitializedShape: a.shape)
        a.withElements { first in
            b.withElements { second in
                let p = first.baseAddress!, q = second.baseAddress!, d = result.storage.base
                Parallel.forEachChunk(count: first.count) { range in
                    body(p + range.lowerBound, q + range.lowerBound, d + range.lowerBound, range.count)
                }
            }
        }
        return result
    }
}
