import Distributed
import CMPI
import Foundation
import TensorCore

/// The one place that turns MPI return codes into thrown errors.
enum MPI {
    static func check(_ code: Int32, _ function: String) throws {
        guard code != cmpi_success() else { return }
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw CommunicatorError.transport(collective: function, message: "MPI error \(code): \(message)")
    }
}
