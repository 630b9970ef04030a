import Testing
import TensorCore
import TestSupport

/// Forward values of every operation against NumPy (`Fixtures/make_reference.py`).
@Suite struct ReferenceTests {
    static let fixture = try! ReferenceFixture(named: "tensor_ops.json")

    /// The Swift side of each case in the fixture, by name.
    static let operations: [String: @Sendable (ReferenceFixture, String) -> Tensor] = [
        "add_broadcast_3d_2d": { f, n in f.tensor(n, "a") + f.tensor(n, "b") },
        "sub_row_vector": { f, n in f.tensor(n, "a") - f.tensor(n, "b") },
        "mul_both_broadcast": { f, n in f.tensor(n, "a") * f.tensor(n, "b") },
        "div_column": { f, n in f.tensor(n, "a") / f.tensor(n, "b") },
        "exp": { f, n in exp(f.tensor(n, "x")) },
        "log": { f, n in log(f.tensor(n, "x")) },
        "sqrt": { f, n in sqrt(f.tensor(n, "x")) },
        "pow_2_5": { f, n in pow(f.tensor(n, "x"), 2.5) },
        "tanh": { f, n in tanh(f.tensor(n, "x")) },
        "sigmoid": { f, n in sigmoid(f.tensor(n, "x")) },
        "relu": { f, n in relu(f.tensor(n, "x")) },
        "abs": { f, n in abs(f.tensor(n, "x")) },
        "clamp_-1_0.5": { f, n in f.tensor(n, "x").clamped(to: -1...0.5) },
        "sum_all": { f, n in f.tensor(n, "x").sum() },
        "sum_axis0": { f, n in f.tensor(n, "x").sum(alongAxis: 0) },
        "sum_axes12": { f, n in f.tensor(n, "x").sum(alongAxes: [1, 2]) },
        "sum_axis-1": { f, n in f.tensor(n, "x").sum(alongAxis: -1) },
        "mean_axis1": { f, n in f.tensor(n, "x").mean(alongAxis: 1) },
        "max_axis1": { f, n in f.tensor(n, "x").max(alongAxis: 1) },
        "min_axis2": { f, n in f.tensor(n, "x").min(alongAxis: 2) },
        "argmax_axis2": { f, n in f.tensor(n, "x").argmax(alongAxis: 2) },
        "logsumexp_axis2": { f, n in f.tensor(n, "x").logSumExp(alongAxis: 2) },
        "variance_axis1_unbiased": { f, n in f.tensor(n, "x").variance(alongAxis: 1) },
        "variance_axes02_population": { f, n in f.tensor(n, "x").variance(alongAxes: [0, 2], correction: 0) },
        "matmul_2d": { f, n in matmul(f.tensor(n, "a"), f.tensor(n, "b")) },
        "matmul_batched": { f, n in matmul(f.tensor(n, "a"), f.tensor(n, "b")) },
        "matmul_batch_times_matrix": { f, n in matmul(f.tensor(n, "a"), f.tensor(n, "b")) },
        "matmul_transposed_views": { f, n in matmul(f.tensor(n, "a").transposed(), f.tensor(n, "b").transposed()) },
        "concatenate_axis1": { f, n in Tensor(concatenating: [f.tensor(n, "a"), f.tensor(n, "b")], alongAxis: 1) },
        "gather_rows_5_0_3_3": { f, n in f.tensor(n, "x").gathering(atIndices: [5, 0, 3, 3]) },
    ]

    @Test func everyFixtureCaseHasAnOperation() {
        #expect(Set(Self.fixture.caseNames) == Set(Self.operations.keys))
    }

    @Test(arguments: ReferenceTests.operations.keys.sorted())
    func matchesNumPy(_ name: String) throws {
        let operation = try #require(Self.operations[name])
        let expected = Self.fixture.tensor(name, "out")
        assertClose(operation(Self.fixture, name), expected, relative: 1e-5, absolute: 1e-5)
    }
}
