import TensorCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The body of a successful (2xx) HTTP GET of `url`, waiting at most `timeout` seconds.
func httpGet(_ url: String, timeout: TimeInterval = 60) throws -> [UInt8] {
    guard let address = URL(string: url) else { throw DataError.downloadFailed(url: url, reason: "not a valid URL") }
    let outcome = Mutex<Result<[UInt8], DataError>?>(nil)
    let done = DispatchSemaphore(value: 0)
    var request = URLRequest(url: address)
    request.timeoutInterval = timeout
    let task = URLSession.shared.dataTask(with: request) { data, response, error in
        let result: Result<[UInt8], DataError>
        if let error {
            result = .failure(.downloadFailed(url: url, reason: error.localizedDescription))
        } else if let status = (response as? HTTPURLResponse)?.statusCode, !(200..<300).contains(status) {
            result = .failure(.downloadFailed(url: url, reason: "HTTP status \(status)"))
        } else {
            result = .success(Array(data ?? Data()))
        }
        outcome.withLock { $0 = result }
        done.signal()
    }
    task.resume()
    if done.wait(timeout: .now() + timeout + 5) == .timedOut {
        task.cancel()
        throw DataError.downloadFailed(url: url, reason: "no answer within \(Int(timeout)) s")
    }
    return try outcome.withLock { $0! }.get()
}
