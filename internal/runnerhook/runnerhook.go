// Package runnerhook gives this module's own tests (conformance, faults,
// the seed workflow's tests) the emulator behind a durabletest.LocalRunner.
// The durabletest API exposes no emulator type, so that it matches the
// official SDK's documented surface and a test written against it ports
// unchanged; code of this module that must inspect the service directly
// reaches it here instead.
package runnerhook

import "github.com/acme/durable-lambda-go/emulator"

// Service returns the emulator service a *durabletest.LocalRunner (of any
// type parameters) drives. Package durabletest sets it when it is
// initialized, and nothing changes it afterwards; it is nil in a program
// that does not import durabletest.
var Service func(runner any) *emulator.Service
