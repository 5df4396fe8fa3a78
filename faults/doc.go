// Package faults proves that durable executions survive faults: it holds
// tests only, and no API.
//
// The crash-anywhere driver (driver_fault_test.go) runs each workflow once
// without faults on the durabletest local runner, counting its checkpoint
// calls and the side effects of its step bodies. It then runs the workflow
// again once per fault point:
//
//   - the invocation crashes right after checkpoint k was applied
//     (Runtime.ExitError), for every k of the fault-free run;
//   - checkpoint k never reaches the service (a connection failure);
//   - checkpoint k is applied but its response is lost;
//   - the invocation crashes inside a step body (a panic: PanicError),
//     right after its jth side effect and before the step's checkpoint,
//     for every j.
//
// After each faulted run the service re-invokes the function until the
// execution closes. The driver asserts that the final status, result and
// error equal those of the fault-free run, that a step body never runs
// once the service has recorded the step's outcome, and that an
// at-most-once body runs at most once per attempt and only after its START
// was acknowledged. It logs the number of fault points exercised per
// workflow and a summary line:
//
//	go test -v -run TestCrashAnywhere ./faults
package faults
