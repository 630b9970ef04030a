import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import TensorCore

/// Synchronous JSON requests to an MLflow tracking server's REST API, each retried with
/// backoff before it fails.
struct MLflowClient: Sendable {
    let server: URL
    let attempts: Int
    let timeout: TimeInterval

    /// The JSON answer to `method` on `path` (relative to the server) with `body`.
    func request(_ method: String, _ path: String, json body: [String: Any]? = nil) throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let answer = try send(method, path, body: data, contentType: "application/json")
        guard !answer.isEmpty else { return [:] }
        return (try? JSONSerialization.jsonObject(with: answer) as? [String: Any]) ?? [:]
    }

    /// Sends `body` as is (an artifact upload).
    func upload(_ path: String, contents: Data) throws {
        _ = try send("PUT", path, body: contents, contentType: "application/octet-stream")
    }

    private func send(_ method: String, _ path: String, body: Data?, contentType: String) throws -> Data {
        guard let url = URL(string: path, relativeTo: server) else {
            throw MLflowError.unavailable(server: server.absoluteString, reason: "\(path) is not a valid path")
        }
        var lastError = ""
        for attempt in 0..<attempts {
            if attempt > 0 { Thread.sleep(forTimeInterval: 0.25 * pow(2, Double(attempt - 1))) }
            var request = URLRequest(url: url)
            request.httpMethod = method
            request.timeoutInterval = timeout
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            switch perform(request) {
            case .success(let data): return data
            case .failure(.rejected(let status, let message)):
                // The server answered: retrying the same request would get the same answer.
                throw MLflowError.rejected(path: path, status: status, message: message)
            case .failure(.unreachable(let reason)): lastError = reason
            }
        }
        throw MLflowError.unavailable(server: server.absoluteString, reason: "\(lastError) (after \(attempts) attempts)")
    }

    private enum Failure: Error { case unreachable(String), rejected(Int, String) }

    private func perform(_ request: URLRequest) -> Result<Data, Failure> {
        let outcome = Mutex<Result<Data, Failure>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            let result: Result<Data, Failure>
            if let error {
                result = .failure(.unreachable(error.localizedDescription))
            } else if let status = (response as? HTTPURLResponse)?.statusCode, !(200..<300).contains(status) {
                result = .failure(.rejected(status, String(decoding: data ?? Data(), as: UTF8.self)))
            } else {
                result = .success(data ?? Data())
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 2) == .timedOut {
            task.cancel()
            return .failure(.unreachable("no answer within \(Int(timeout)) s"))
        }
        return outcome.withLock { $0! }
    }
}

/// An MLflow tracking server could not be reached or refused a request.
public enum MLflowError: Error, CustomStringConvertible, Equatable {
    /// The server did not answer.
    case unavailable(server: String, reason: String)
    /// The server answered with an error.
    case rejected(path: String, status: Int, message: String)

    /// What went wrong and where, in one line.
    public var description: String {
        switch self {
        case let .unavailable(server, reason): "MLflow tracking server \(server) is unavailable: \(reason)"
        case let .rejected(path, status, message): "MLflow refused \(path) (HTTP \(status)): \(message.prefix(300))"
        }
    }
}
