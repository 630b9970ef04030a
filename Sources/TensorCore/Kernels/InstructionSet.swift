import CKernels

/// The instruction sets the hand-written kernels are compiled for. Each hot loop exists in all
/// three versions (per-function target attributes in the CKernels target); one dispatch picks the
/// best level the CPU runs, once, at the first kernel call. `SWIFTTRAIN_ISA=baseline|avx2|avx512`
/// forces a lower level, for tests and bisecting. With the level fixed, runs are bit-identical;
/// across levels, fused multiply-adds round differently.
///
/// ```swift
/// print("kernels: \(InstructionSet.active)")   // kernels: avx512
/// ```
public enum InstructionSet: Int, Comparable, CaseIterable, Sendable, CustomStringConvertible {
    /// x86-64 baseline: SSE2, four lanes, no FMA.
    case baseline
    /// AVX2 with FMA: eight lanes.
    case avx2
    /// AVX-512 (F, VL, BW, DQ): sixteen lanes.
    case avx512

    /// The level the kernels run at.
    public static var active: InstructionSet { InstructionSet(rawValue: Int(swifttrain_isa_level())) ?? .baseline }

    /// The best level this CPU supports (what runs when `SWIFTTRAIN_ISA` is unset).
    public static var supported: InstructionSet { InstructionSet(rawValue: Int(swifttrain_isa_supported())) ?? .baseline }

    /// Ordered by width.
    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name `SWIFTTRAIN_ISA` takes: `baseline`, `avx2`, `avx512`.
    public var description: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }
}
