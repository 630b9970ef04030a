import TensorCore
import Foundation

/// The HParams plugin's three records (experiment, session start, session end), each a summary
/// value whose metadata content is an `HParamsPluginData` message. TensorBoard shows a run in the
/// HParams table only when the experiment lists the metrics, the session names the values, and
/// scalars with the metrics' tags exist in the run.
enum HParamsSummary {
    /// A `google.protobuf.Value` holding a number when the text is one, else the text.
    private static func value(_ text: String) -> ProtobufMessage {
        var value = ProtobufMessage()
        if let number = Double(text), number.isFinite { value.appendDouble(2, number) } else { value.appendString(3, text) }
        return value
    }

    private static func record(_ tag: String, field: Int, _ payload: ProtobufMessage) -> ProtobufMessage {
        var pluginData = ProtobufMessage()
        pluginData.appendVarint(1, 0)   // version
        pluginData.appendMessage(field, payload)
        var nullTensor = ProtobufMessage()
        nullTensor.appendVarint(1, 1)   // DT_FLOAT
        nullTensor.appendMessage(2, ProtobufMessage())
        nullTensor.appendFloat(5, 0)
        var message = ProtobufMessage()
        message.appendString(1, tag)
        message.appendMessage(9, TensorBoardSummary.pluginMetadata("hparams", content: pluginData.bytes))
        message.appendMessage(8, nullTensor)
        return message
    }

    /// The experiment: every hyperparameter (string, number) and every metric tag.
    static func experiment(hyperparameters: [String: String], metrics: [String]) -> ProtobufMessage {
        var experiment = ProtobufMessage()
        for name in hyperparameters.keys.sorted() {
            var info = ProtobufMessage()
            info.appendString(1, name)
            info.appendVarint(4, Double(hyperparameters[name]!) != nil ? 3 : 1)   // DATA_TYPE_FLOAT64 or DATA_TYPE_STRING
            experiment.appendMessage(4, info)
        }
        for tag in metrics.sorted() {
            var name = ProtobufMessage()
            name.appendString(2, tag)
            var info = ProtobufMessage()
            info.appendMessage(1, name)
            experiment.appendMessage(5, info)
        }
        experiment.appendDouble(3, Date().timeIntervalSince1970)
        return record("_hparams_/experiment", field: 2, experiment)
    }

    /// The session's start: the values of this run.
    static func sessionStart(hyperparameters: [String: String]) -> ProtobufMessage {
        var start = ProtobufMessage()
        for name in hyperparameters.keys.sorted() {
            var entry = ProtobufMessage()
            entry.appendString(1, name)
            entry.appendMessage(2, value(hyperparameters[name]!))
            start.appendMessage(1, entry)
        }
        start.appendDouble(5, Date().timeIntervalSince1970)
        return record("_hparams_/session_start_info", field: 3, start)
    }

    /// The session's end: success or failure.
    static func sessionEnd(succeeded: Bool) -> ProtobufMessage {
        var end = ProtobufMessage()
        end.appendVarint(1, succeeded ? 1 : 2)   // STATUS_SUCCESS or STATUS_FAILURE
        end.appendDouble(2, Date().timeIntervalSince1970)
        return record("_hparams_/session_end_info", field: 4, end)
    }
}
