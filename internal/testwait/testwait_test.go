package testwait

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	if err := For("three polls", func() bool { return n.Add(1) == 3 }); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("polled %d times, want 3", got)
	}
}

func TestContextHasTheDeadline(t *testing.T) {
	ctx := Context(t)
	d, ok := ctx.Deadline()
	if !ok || time.Until(d) > Deadline {
		t.Fatalf("deadline %v (set %v), want one within %s", d, ok, Deadline)
	}
}

func TestWithinFailsWithAMessage(t *testing.T) {
	err := within("the callback is created", 5*time.Millisecond, func() bool { return false })
	if err == nil || !strings.Contains(err.Error(), "the callback is created: not done within 5ms") {
		t.Fatalf("got %v, want an error naming the wait and its deadline", err)
	}
}

func TestReceive(t *testing.T) {
	full := make(chan int, 1)
	full <- 7
	closed := make(chan int)
	close(closed)
	tests := []struct {
		name    string
		ch      chan int
		want    int
		wantErr string // substring; empty: no error
	}{
		{name: "a value", ch: full, want: 7},
		{name: "closed", ch: closed, want: 0},
		{name: "nothing", ch: make(chan int), wantErr: "the result arrives: not done within 5ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := receiveWithin("the result arrives", 5*time.Millisecond, tt.ch)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("receiveWithin: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("receiveWithin error %v, want one containing %q", err, tt.wantErr)
			case got != tt.want:
				t.Errorf("receiveWithin = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWaitReturnsOnceTheCallReturns(t *testing.T) {
	var wg sync.WaitGroup
	var ran atomic.Bool
	wg.Go(func() { ran.Store(true) })
	Wait(t, "the goroutine ends", wg.Wait)
	if !ran.Load() {
		t.Error("Wait returned before the call it waited for")
	}
}
