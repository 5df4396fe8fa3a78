// Package boltstore keeps an emulator.Service's executions in a data
// directory, in one bbolt database file (go.etcd.io/bbolt: pure Go, one
// file, transactions, fsync on commit).
//
// # Layout
//
// The directory holds the database, DatabaseFile, and OwnerFile, which
// names the process that has the directory open. In the database, bucket
// "meta" holds the format marker; bucket "executions" holds one bucket per
// execution, named by its emulator.Store key, with the header under key
// "header" and one bucket per list (operations, events, status changes,
// invocations) whose keys are the 8-byte big-endian record indexes;
// bucket "quarantine" holds executions moved aside, each with a "reason".
//
// # One owner
//
// Open takes bbolt's exclusive file lock. A second process (another
// serve, or durablectl run on the same directory) fails at once with an
// *InUseError naming the directory and the owner written in OwnerFile.
//
// # Durability
//
// Commit is one bbolt read-write transaction, fsynced before it returns:
// a change the emulator acknowledged survives a crash or a kill -9. A
// failed transaction (a full disk) leaves the database as it was.
package boltstore
