package emulator

import "testing"

func TestLimitsDefaults(t *testing.T) {
	svc, err := New(Config{Limits: Limits{MaxOperations: 7, MaxExecutionResultBytes: 100}})
	if err != nil {
		t.Fatal(err)
	}
	want := Limits{
		MaxOperations:             7,
		MaxOperationPayloadBytes:  256 * 1024,
		MaxExecutionResultBytes:   100,
		MaxSyncInputBytes:         6 * 1024 * 1024,
		MaxAsyncInputBytes:        1024 * 1024,
		MaxCheckpointRequestBytes: 600 + 1024*1024,
	}
	if got := svc.Limits(); got != want {
		t.Errorf("Limits() = %+v, want %+v", got, want)
	}
	def, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := def.Limits().MaxOperations; got != 3000 {
		t.Errorf("default MaxOperations = %d, want 3000 (protocol.md §2.7)", got)
	}
}
