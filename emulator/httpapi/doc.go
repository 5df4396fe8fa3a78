// Package httpapi serves the Lambda REST API for durable functions on top of
// an emulator.Service, so the unmodified AWS CLI and aws-sdk-go-v2's lambda
// client can drive local executions through --endpoint-url / BaseEndpoint.
//
// The operations served, with their paths (protocol.md §3.1):
//
//	POST /2015-03-31/functions/{FunctionName}/invocations                  Invoke
//	GET  /2025-12-01/durable-executions/{DurableExecutionArn}              GetDurableExecution
//	GET  /2025-12-01/durable-executions/{DurableExecutionArn}/history      GetDurableExecutionHistory
//	GET  /2025-12-01/durable-executions/{DurableExecutionArn}/state        GetDurableExecutionState
//	POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint   CheckpointDurableExecution
//	POST /2025-12-01/durable-executions/{DurableExecutionArn}/stop         StopDurableExecution
//	GET  /2025-12-01/functions/{FunctionName}/durable-executions           ListDurableExecutionsByFunction
//	POST /2025-12-01/durable-execution-callbacks/{CallbackId}/succeed      SendDurableExecutionCallbackSuccess
//	POST /2025-12-01/durable-execution-callbacks/{CallbackId}/fail         SendDurableExecutionCallbackFailure
//	POST /2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat    SendDurableExecutionCallbackHeartbeat
//
// AWS clients percent-encode every character of a path label outside
// A-Z a-z 0-9 - . _ ~, so an execution ARN (which holds ':' and '/') or a
// base64 callback id (which may hold '/', '+', '=') arrives as one escaped
// segment. The handler therefore splits the escaped path and unescapes
// each segment afterwards; it never splits a decoded path.
//
// Errors are answered the way the service answers them: the HTTP status of
// the exception, an X-Amzn-ErrorType header naming it and a JSON body
// {"__type": name, "Type": "User"|"Service", "message": text}. The
// service's *wire.APIError values map one to one; any other error is a 500
// ServiceException. Every answer, error or not, carries a fresh request id
// in X-Amzn-RequestId, which the AWS SDKs report with their errors.
//
// Invoke starts a durable execution. X-Amz-Durable-Execution-Name names it
// (a second Invoke with the same name and payload returns the same
// execution), and every response carries X-Amz-Durable-Execution-Arn. With
// X-Amz-Invocation-Type: Event the answer is 202 at once; with
// RequestResponse (the default) the call waits until the execution closes
// and answers its result, or, for a failed, timed-out or stopped execution,
// X-Amz-Function-Error: Unhandled with {"errorType","errorMessage"}.
//
// Invoke of a plain function (one without DurableConfig) is Lambda's
// ordinary Invoke: no durable execution and no X-Amz-Durable-Execution-Arn.
// It may be unqualified. RequestResponse answers the function's response,
// or, when the function fails, X-Amz-Function-Error: Unhandled with the
// error it reported; Event answers 202 and the service runs the
// invocation. X-Amz-Executed-Version says the version that ran ($LATEST
// when unqualified). A durable execution name is refused with
// InvalidParameterValueException.
//
// [Start] listens on 127.0.0.1 unless given another address explicitly.
package httpapi
