import Foundation

/// The reason behind `error` in one line, for messages that name a file: Foundation's file
/// errors become the system's words ("Not a directory", "No such file or directory") instead of
/// an `NSError` dump; this package's errors keep their own description.
///
/// ```swift
/// do { try Data().write(to: URL(fileURLWithPath: "/missing/out.json")) }
/// catch { print("out.json: \(readableReason(error))") }   // out.json: No such file or directory
/// ```
public func readableReason(_ error: Error) -> String {
    if !(error is CocoaError), !(type(of: error) is NSError.Type) { return "\(error)" }
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
    if let cocoa = error as? CocoaError {
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
        case .fileWriteNoPermission, .fileReadNoPermission: return "Permission denied"
        case .fileWriteFileExists: return "File exists"
        case .fileWriteOutOfSpace: return "No space left on device"
        default: break
        }
    }
    return nsError.localizedDescription
}
