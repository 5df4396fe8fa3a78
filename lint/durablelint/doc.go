// Package durablelint holds static analyzers that catch durable handlers
// which would not replay deterministically, before they ship.
//
// A durable handler runs again from the top on every invocation and must
// make the same operation calls in the same order each time (see package
// durable). Analyzers lists one golang.org/x/tools/go/analysis analyzer
// per rule:
//
//   - durablegoroutine: an operation on a goroutine started with go,
//     (*errgroup.Group).Go/TryGo or (*sync.WaitGroup).Go — also through
//     a variable holding a function, a named function or a method value.
//   - durablenestedop: an operation inside a step body, a
//     WaitForCondition check or a WaitForCallback submitter — also in
//     the helpers called from there.
//   - durablenondeterminism: time, randomness, UUIDs, environment, file,
//     network and database calls, Context.RequestID, map-ordered
//     operations and multi-channel selects in code that runs outside
//     steps, followed through helpers and across packages.
//   - durablechildctx: an operation on a captured outer Context inside a
//     child, Go, Map, Parallel, Select or Retry function, and Contexts
//     kept in struct fields or package variables.
//   - durableclosure: a write to a captured or package-level variable
//     inside a step body or a child function, also through pointers,
//     fields, map entries and slice elements.
//
// # Interprocedural analysis
//
// A hidden analyzer exports two analysis.Facts for every function of every
// package, dependencies included: that it records durable operations, and
// that its code outside step bodies is nondeterministic. Each fact carries
// the chain that proves it ("ids.next → rand.Int"). Rules use them at
// call sites: a helper without a Context parameter that calls time.Now
// taints every call of it from handler code, and a helper that records
// operations is an operation when a goroutine or a step body calls it.
// Local variables holding functions are followed (f := helper; go f()).
// Calls through interfaces and function values of unknown origin are not.
//
// # Suppressing a finding
//
// A comment on the reported line or the line above suppresses one rule
// there, and a file-level form suppresses it in a whole file. The reason
// after " -- " is required; a directive without one, or naming an
// unknown rule, suppresses nothing and is reported:
//
//	//durable:ignore durablenondeterminism -- the table name is fixed per deployment
//	//durable:ignore-file durablegoroutine -- this test checks that the SDK rejects operations on other goroutines
//
// Several rules are separated by commas; the "durable" prefix may be
// left out ("//durable:ignore goroutine,closure -- ..."), and "all" names
// every rule.
//
// # Running
//
// cmd/durablelint runs the analyzers standalone or as a vet tool:
//
//	go run ./cmd/durablelint ./...
//	go build -o /tmp/durablelint ./cmd/durablelint && go vet -vettool=/tmp/durablelint ./...
//
// The SDK's own packages are not checked: they implement the operations.
package durablelint
