package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestInvocationPayloadTimestampsAreEpochMillis(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 123e6, time.UTC)
	ops := []Operation{
		{Id: "e", Type: OperationTypeExecution, Status: OperationStatusStarted, StartTimestamp: At(at)},
		{Id: "s", Type: OperationTypeStep, Status: OperationStatusPending, StartTimestamp: At(at), EndTimestamp: At(at.Add(time.Second)),
			StepDetails: &StepDetails{Attempt: 1, NextAttemptTimestamp: At(at.Add(2 * time.Second)), Result: String("1")}},
		{Id: "w", Type: OperationTypeWait, Status: OperationStatusStarted, StartTimestamp: At(time.Unix(5, 0)),
			WaitDetails: &WaitDetails{ScheduledEndTimestamp: At(at.Add(3 * time.Second))}},
	}
	in := InvocationInput{DurableExecutionArn: "arn", CheckpointToken: "t",
		InitialExecutionState: &ExecutionState{Operations: ops, NextMarker: "2"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"StartTimestamp":1767225600123`, `"EndTimestamp":1767225601123`,
		`"NextAttemptTimestamp":1767225602123`, `"ScheduledEndTimestamp":1767225603123`,
		`"StartTimestamp":5,`, // before 1973: epoch seconds, which a reader cannot mistake
		`"NextMarker":"2"`, `"Result":"1"`, `"Attempt":1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("payload %s lacks %s", b, want)
		}
	}
	var back InvocationInput
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back.InitialExecutionState, in.InitialExecutionState)
	}
	rest, err := json.Marshal(ops[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rest), `"StartTimestamp":1767225600.123`) {
		t.Errorf("REST encoding of an Operation = %s, want epoch seconds", rest)
	}
}
