import Foundation
#if canImport(Glibc)
import Glibc
import Datasets
#endif

/// A minimal HTTP/1.0 server on 127.0.0.1 for tests of download code: it answers `GET /name`
/// with the bytes registered for `name` and 404 otherwise, one connection at a time, on a
/// background thread, until stopped. Nothing leaves the machine.
///
/// ```swift
/// let server = try LoopbackHTTPServer(files: ["a.gz": bytes])
/// defer { server.stop() }
/// try MNIST.download(from: server.baseURL, into: folder)
/// ```
public final class LoopbackHTTPServer: @unchecked Sendable {
    private let socketDescriptor: Int32
    private let files: [String: [UInt8]]
    private let thread: Thread
    /// The port the kernel assigned.
    public let port: UInt16
    /// `http://127.0.0.1:port/`.
    public var baseURL: String { "http://127.0.0.1:\(port)/" }

    /// A server on a free loopback port answering GET requests for `files` (path to body).
    public init(files: [String: [UInt8]]) throws {
        self.files = files
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw UsageFailure("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else { throw UsageFailure("bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        socketDescriptor = descriptor
        let served = files
        thread = Thread { Self.serve(descriptor, served) }
        thread.start()
    }

    /// Stops accepting connections.
    public func stop() {
        shutdown(socketDescriptor, Int32(SHUT_RDWR))
        close(socketDescriptor)
    }

    private static func serve(_ descriptor: Int32, _ files: [String: [UInt8]]) {
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { return }
            var request = [UInt8](repeating: 0, count: 4096)
            let count = read(client, &request, request.count)
            let line = String(decoding: request.prefix(max(count, 0)), as: UTF8.self).split(separator: "\r\n").first ?? ""
            let parts = line.split(separator: " ")
            let name = parts.count > 1 ? String(parts[1].drop(while: { $0 == "/" })) : ""
            let body = files[name]
            let header = body.map { "HTTP/1.0 200 OK\r\nContent-Length: \($0.count)\r\nContent-Type: application/octet-stream\r\n\r\n" }
                ?? "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            let response = Array(header.utf8) + (body ?? [])
            var sent = 0
            while sent < response.count {
                let n = response.withUnsafeBytes { write(client, $0.baseAddress! + sent, response.count - sent) }
                if n <= 0 { break }
                sent += n
            }
            close(client)
        }
    }
}

/// A test-setup failure with a message.
public struct UsageFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
