// Package boltstore keeps an emulator.Service's executions in a data
// directory: in a bbolt database file (go.etcd.io/bbolt: pure Go, one
// file, transactions, fsync on commit), in front of which a write-ahead
// log takes each commit.
//
// # Layout
//
// The directory holds the database, DatabaseFile; the log, files named
// log-<generation>.wal; and OwnerFile, which names the process that has
// the directory open. In the database, bucket
// "meta" holds the format marker; bucket "executions" holds one bucket per
// execution, named by its emulator.Store key, with the header under key
// "header" and one bucket per list (operations, events, status changes,
// invocations) whose keys are the 8-byte big-endian record indexes;
// bucket "quarantine" holds executions moved aside, each with a "reason".
// Bucket "meta" also records the newest log file folded into the database.
//
// # One owner
//
// Open takes bbolt's exclusive file lock. A second process (another
// serve, or durablectl run on the same directory) fails at once with an
// *InUseError naming the directory and the owner written in OwnerFile.
//
// # Durability
//
// Commit appends the changes to the newest log file as one checksummed
// frame and fsyncs it before it returns: a change the emulator
// acknowledged survives a crash or a kill -9. That is all a request
// waits for — one write and one fsync per group of concurrent commits
// (see emulator.Store), and no B+tree work. The log file is extended
// with zeros ahead of its frames, a megabyte at a time, so that most
// frames overwrite zeros and their fsync changes no metadata of the file
// (no journal commit); the frames end where only zeros follow. A failed
// write (a full disk) is cut off the log, so that nothing of it is read
// back, not even after a crash.
//
// # Folding
//
// When the newest log file reaches Options.FoldBytes, a background
// goroutine starts a new one and folds the older ones into the database
// in one bbolt transaction (fsynced), each record written once however
// often it changed, and then removes them; Close folds what is left. A
// failed fold loses nothing: the log keeps the changes and the fold is
// tried again. Reads (Load, LoadExecution) see the database with the log
// applied. Open replays the log files newer than the last fold; a frame
// that a crash cut short at the end of the newest one was never
// acknowledged and is cut off, while damage anywhere else stops Open
// with a *CorruptError naming the file.
package boltstore
