import Foundation
import Synchronization

/// Runs child processes the way `torchrun` does: Ctrl-C (SIGINT), SIGTERM and SIGHUP that reach
/// this process are forwarded to the child, this process waits for the child to end, and then
/// ends the conventional way: by the same signal when it forwarded one, else with the child's
/// exit status. So no launcher leaves `mpirun` and its ranks training as orphans.
///
/// ```swift
/// let job = Process()
/// job.executableURL = URL(fileURLWithPath: "/usr/bin/env")
/// job.arguments = ["mpirun", "-np", "2", "my-program"]
/// let status = try ChildProcess.run(job)   // forwards signals while the job runs
/// ```
public enum ChildProcess {
    /// The signals forwarded to a running child.
    public static let forwardedSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Starts `process`, forwards ``forwardedSignals`` to it until it ends, and returns its exit
    /// status. When a signal was forwarded, this process then dies of that signal (after the
    /// child ended), as an interrupted program should.
    /// - Throws: the error of `Process.run()` when the child cannot start.
    @discardableResult
    public static func run(_ process: Process) throws -> Int32 {
        // A C handler: it may only do async-signal-safe work (an atomic store and kill(2)).
        // Dispatch signal sources cannot be used: Linux drops signals whose action is SIG_IGN.
        _ = forwardTarget.load(ordering: .relaxed)   // initialized before any handler runs
        for number in forwardedSignals {
            signal(number) { number in
                _ = receivedSignal.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                let target = forwardTarget.load(ordering: .relaxed)
                if target > 0 { kill(target, number) }
            }
        }
        defer {
            forwardTarget.store(0, ordering: .relaxed)
            for number in forwardedSignals { signal(number, SIG_DFL) }
        }
        // The child inherits the calling thread's signal mask, and dispatch worker threads (where
        // async code and test runners run) block signals: spawn with none blocked, or mpirun
        // would never see the signals forwarded to it.
        var none = sigset_t(), previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        forwardTarget.store(process.processIdentifier, ordering: .relaxed)
        // A signal that came between run() and the store above is forwarded now.
        let early = receivedSignal.load(ordering: .relaxed)
        if early != 0 { kill(process.processIdentifier, early) }
        process.waitUntilExit()
        let received = receivedSignal.load(ordering: .relaxed)
        if received != 0 {
            signal(received, SIG_DFL)
            kill(getpid(), received)
            // Not reached unless the signal is blocked: fall back to the shell's convention.
            exit(128 + received)
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// The child that signals are forwarded to (0: none).
private let forwardTarget = Atomic<Int32>(0)
/// The first signal forwarded (0: none).
private let receivedSignal = Atomic<Int32>(0)
