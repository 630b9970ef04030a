// checkpoint-tool: one command from a training checkpoint to what PyTorch loads directly.
//
//   checkpoint-tool export IN.ckpt OUT.safetensors   the model's weights and buffers, named as the
//                                                    model names them: torch's load_state_dict
//                                                    takes `load_file(OUT)` as it is
//   checkpoint-tool show IN.ckpt                     what the checkpoint holds
//
// A checkpoint of a run on several processes is already whole: its optimizer state was gathered
// from every rank when it was written (ZeRO's shards included), so there is nothing to
// consolidate; the file is checked (CRC, numbers, layout) as it is read.
import Foundation
import TensorCore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("checkpoint-tool: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, ["export", "show"].contains(command), arguments.count == (command == "export" ? 3 : 2) else {
    fail("usage: checkpoint-tool export IN.ckpt OUT.safetensors | checkpoint-tool show IN.ckpt")
}
do {
    let checkpoint = try TrainingCheckpoint(contentsOf: arguments[1])
    switch command {
    case "export":
        try SafeTensorsFile(tensors: checkpoint.modelState, metadata: ["format": "pt", "source": "swifttrain checkpoint-tool"])
            .write(to: arguments[2])
        let count = checkpoint.modelState.reduce(0) { $0 + $1.tensor.scalarCount }
        print("wrote \(checkpoint.modelState.count) tensors (\(count) values) to \(arguments[2]): model.load_state_dict(load_file(...))")
    default:
        print("epoch \(checkpoint.epoch), step \(checkpoint.step)")
        for (name, tensor) in checkpoint.modelState { print("model     \(name) \(tensor.shape)") }
        for name in checkpoint.optimizerState.tensors.keys.sorted() {
            print("optimizer \(name) \(checkpoint.optimizerState.tensors[name]!.shape)")
        }
        for name in checkpoint.optimizerState.numbers.keys.sorted() { print("optimizer \(name) = \(checkpoint.optimizerState.numbers[name]!)") }
    }
} catch {
    fail("\(error)")
}
