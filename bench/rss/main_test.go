package main

import "testing"

func TestRun(t *testing.T) {
	for _, sdk := range []bool{false, true} {
		status, err := run(10, sdk)
		if err != nil || status != "SUCCEEDED" {
			t.Errorf("run(10, sdk=%v) = %q, %v; want SUCCEEDED", sdk, status, err)
		}
	}
}

func TestProcStatus(t *testing.T) {
	hwm, err := procStatus("VmHWM")
	if err != nil || hwm <= 0 {
		t.Errorf("VmHWM = %d, %v; want a positive size", hwm, err)
	}
	if _, err := procStatus("NoSuchField"); err == nil {
		t.Error("an unknown field gave no error")
	}
}
