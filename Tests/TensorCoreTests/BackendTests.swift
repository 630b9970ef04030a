import Testing
import TensorCore

/// The numeric back end on the machine at hand: OpenBLAS runs wide kernels, and the kernel
/// re-selection says what it did (and does nothing without its internals).
@Suite struct BackendTests {
    @Test func openBLASRunsWideKernelsOrSaysWhyNot() {
        let kernels = ComputeBackend.blasKernels, reason = ComputeBackend.blasSelection
        #expect(!reason.isEmpty)
        let canReselect = ComputeBackend.openBLASProvides("gotoblas_dynamic_init") && ComputeBackend.openBLASProvides("gotoblas_dynamic_quit")
        if InstructionSet.supported >= .avx2 && canReselect {
            // A CPU with AVX2 never runs the SSE3 fallback when the internals are there.
            #expect(kernels.lowercased() != "prescott", "\(kernels): \(reason)")
        }
        if kernels.lowercased() == "prescott" && !canReselect {
            #expect(reason.contains("lacks"), "the no-op must say why: \(reason)")
        }
        #expect(!ComputeBackend.openBLASProvides("swifttrain_no_such_symbol"))
    }
}
