// Package runtimeapi hosts a real Lambda function binary on this machine by
// emulating the Lambda Runtime API, so the executable that is deployed is
// the executable that is tested.
//
// A Go function built for provided.al2023 is an ordinary program named
// bootstrap. In Lambda, the sandbox starts it with AWS_LAMBDA_RUNTIME_API
// set to host:port of the Runtime API, and the program (through
// aws-lambda-go's lambda.Start) loops:
//
//	GET  /2018-06-01/runtime/invocation/next              wait for an event
//	POST /2018-06-01/runtime/invocation/{id}/response     report the result
//	POST /2018-06-01/runtime/invocation/{id}/error        report a failure
//	POST /2018-06-01/runtime/init/error                   report a failed start
//
// A [Runtime] plays the sandbox. It serves that API on a loopback port,
// starts the binary with the environment Lambda gives a function, hands it
// one event per [Runtime.Invoke] and returns what the function reported.
// The event carries the headers Lambda sets: Lambda-Runtime-Aws-Request-Id,
// Lambda-Runtime-Deadline-Ms, Lambda-Runtime-Invoked-Function-Arn and
// Lambda-Runtime-Trace-Id.
//
// Like Lambda, a Runtime keeps a process warm between invocations and
// starts a new one when the old one died: a process that exits while
// handling an event fails that invocation with ErrorType
// "Runtime.ExitError", and one that is still running at the invocation's
// deadline is killed and the invocation fails with "Sandbox.Timedout".
// Concurrent invocations run in separate processes ("sandboxes"), up to
// [Config.MaxSandboxes].
//
// Runtime implements emulator.Invoker, so a function registered with the
// durable-execution emulator can run as its real binary:
//
//	rt, err := runtimeapi.New(runtimeapi.Config{
//		Path:         "/tmp/build/bootstrap",
//		FunctionName: "orders",
//		Endpoint:     "http://127.0.0.1:9001", // the emulator's REST endpoint
//	})
//	if err != nil { ... }
//	defer rt.Close()
//	svc.RegisterFunction(emulator.Function{Name: "orders", Durable: true, Invoker: rt})
//
// Endpoint becomes AWS_ENDPOINT_URL_LAMBDA in the function's environment, so
// the AWS SDK inside the function sends its checkpoint and state calls to
// the local endpoint instead of the real service. Nothing here ever listens
// on anything but 127.0.0.1.
package runtimeapi
