// Package rawsock reads and writes a socket under Go's netpoller without
// telling the scheduler about each read and write.
//
// A read or write on a net.Conn goes through syscall.Syscall, which
// enters and leaves a syscall in the scheduler's accounts. When every P
// of the process was idle — as in a process that waits for the other
// side of a local request-and-answer exchange after every message — the
// runtime's monitor thread (sysmon) sleeps, and the first syscall that
// enters wakes it again (a futex wake), after which it polls every 20 µs
// until the process is idle again. On a local endpoint with one round
// trip per durable step, that was about a tenth of both processes' CPU.
// The socket's file descriptor is non-blocking, so its reads and writes
// return at once (EAGAIN when they would block, and the netpoller waits
// then): they can be made with syscall.RawSyscall, which the scheduler
// does not account.
//
// Wrap does so on Linux; elsewhere, and in builds with the race detector
// (which needs syscall.Read and syscall.Write to see the order a socket's
// messages give), it returns the connection as it is.
package rawsock
