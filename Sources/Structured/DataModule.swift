import Events
import Metrics
import TensorCore

/// Data for the stages of a run, prepared in one place (Lightning's `LightningDataModule`).
public protocol DataModule {
    /// The batches this data module provides.
    associatedtype Source: BatchSource
    /// Downloads or writes data: runs once, on rank 0 only.
    func prepareData() throws
    /// Loads what the stage needs: runs on every process.
    func setup(stage: Stage) throws
    /// The training data (required).
    func trainData() throws -> Source
    /// The validation data, if any.
    func validationData() throws -> Source?
    /// The test data, if any.
    func testData() throws -> Source?
    /// The data to predict on, if any.
    func predictData() throws -> Source?
    /// Called after a stage ends, to release what `setup` made.
    func teardown(stage: Stage)
}

extension DataModule {
    /// Does nothing; override it to download or prepare data (rank 0 only).
    public func prepareData() throws {}
    /// Does nothing; override it to build the data of `stage` (every rank).
    public func setup(stage: Stage) throws {}
    /// No validation data by default.
    public func validationData() throws -> Source? { nil }
    /// No test data by default.
    public func testData() throws -> Source? { nil }
    /// No prediction data by default.
    public func predictData() throws -> Source? { nil }
    /// Does nothing by default.
    public func teardown(stage: Stage) {}
}
