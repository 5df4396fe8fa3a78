package durabletest

//durable:ignore-file nondeterminism -- these handlers are nondeterministic on purpose: the tests check that the replay check catches them

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// echoStep is a step body returning its name.
func echoStep(name string) func(durable.StepContext) (string, error) {
	return func(durable.StepContext) (string, error) { return name, nil }
}

// bigMap has so many keys that two iterations start at the same key with
// a probability of about one in the map's slot count (over 130 000): the
// runtime picks a random table and slot to start from on every range.
func bigMap() map[string]int {
	m := make(map[string]int, 1<<17)
	for i := range 1 << 17 {
		m["key-"+strconv.Itoa(i)] = i
	}
	return m
}

func TestReplayCheckCatchesNonDeterminism(t *testing.T) {
	keys := bigMap()
	tests := []struct {
		name     string
		handler  durable.Handler[string, string]
		position string
		field    string
	}{
		{
			name: "time.Now names a step",
			handler: func(ctx durable.Context, in string) (string, error) {
				if _, err := durable.Step(ctx, "first", echoStep("first")); err != nil {
					return "", err
				}
				stamp := time.Now().Format(time.RFC3339Nano)
				return durable.Step(ctx, "at-"+stamp, echoStep(stamp))
			},
			position: "2", field: "Name",
		},
		{
			name: "rand in the result",
			handler: func(ctx durable.Context, in string) (string, error) {
				v, err := durable.Step(ctx, "fetch", echoStep("v"))
				return fmt.Sprintf("%s-%d", v, rand.Int64()), err
			},
			field: "Result",
		},
		{
			name: "map order chooses the operation",
			handler: func(ctx durable.Context, in string) (string, error) {
				for k := range keys {
					return durable.Step(ctx, k, echoStep(k))
				}
				return "", nil
			},
			position: "1", field: "Name",
		},
		{
			name: "time.Now in the error",
			handler: func(ctx durable.Context, in string) (string, error) {
				if _, err := durable.Step(ctx, "fetch", echoStep("v")); err != nil {
					return "", err
				}
				return "", fmt.Errorf("gave up at %s", time.Now().Format(time.RFC3339Nano))
			},
			field: "Error.ErrorMessage",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewLocalRunner(tc.handler)
			res, err := r.RunUntilComplete("in")
			var d *ReplayDivergenceError
			if !errors.As(err, &d) {
				t.Fatalf("RunUntilComplete error = %v, want a *ReplayDivergenceError", err)
			}
			if res == nil || (res.Status != StatusSucceeded && res.Status != StatusFailed) {
				t.Fatalf("result = %+v, want the closed execution's result with the error", res)
			}
			if d.Position != tc.position || d.Field != tc.field {
				t.Errorf("divergence at position %q field %q, want %q %q: %v", d.Position, d.Field, tc.position, tc.field, d)
			}
			if d.Recorded == d.Replayed {
				t.Errorf("recorded and replayed values are equal: %v", d)
			}
		})
	}
}

func TestReplayCheckNamesAnOperationTheHistoryLacks(t *testing.T) {
	calls := 0
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		calls++ // code outside steps runs once per invocation: a second run issues one more step
		v, err := durable.Step(ctx, "a", echoStep("a"))
		if err != nil || calls == 1 {
			return v, err
		}
		return durable.Step(ctx, "extra", echoStep("extra"))
	})
	_, err := r.RunUntilComplete("in")
	var d *ReplayDivergenceError
	if !errors.As(err, &d) {
		t.Fatalf("error = %v, want a *ReplayDivergenceError", err)
	}
	if d.Position != "2" || d.Field != "operation" || d.OperationID != durable.WireID("2") || !strings.Contains(d.Replayed, `"extra"`) {
		t.Errorf("divergence = %+v, want operation 2 (step \"extra\") missing from the history", d)
	}
	for _, want := range []string{"operation 2", `"extra"`, "operation"} {
		if !strings.Contains(d.Error(), want) {
			t.Errorf("message %q lacks %q", d.Error(), want)
		}
	}
}

func TestReplayCheckNamesADifferentType(t *testing.T) {
	calls := 0
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		calls++
		if calls == 1 {
			return durable.Step(ctx, "next", echoStep("v"))
		}
		return "", durable.Wait(ctx, "next", time.Second)
	})
	_, err := r.RunUntilComplete("in")
	var d *ReplayDivergenceError
	if !errors.As(err, &d) {
		t.Fatalf("error = %v, want a *ReplayDivergenceError", err)
	}
	if d.Position != "1" || d.Field != "Type" || d.Recorded != "STEP" || d.Replayed != "WAIT" {
		t.Errorf("divergence = %+v, want operation 1's Type STEP, replayed WAIT", d)
	}
}

func TestReplayCheckPassesDeterministicHandlers(t *testing.T) {
	tests := []struct {
		name    string
		handler durable.Handler[string, string]
	}{
		{"time and randomness inside steps", func(ctx durable.Context, in string) (string, error) {
			stamp, err := durable.Step(ctx, "stamp", func(durable.StepContext) (string, error) {
				return fmt.Sprint(time.Now().UnixNano(), rand.Int64()), nil
			})
			if err != nil {
				return "", err
			}
			if err := durable.Wait(ctx, "pause", time.Minute); err != nil {
				return "", err
			}
			return "at " + stamp + " since " + durable.ExecutionStartTime(ctx).String(), nil
		}},
		{"children, fan-out and a failure", func(ctx durable.Context, in string) (string, error) {
			f := durable.Go(ctx, "child", func(cc durable.Context) (string, error) {
				return durable.Step(cc, "inner", echoStep("inner"))
			})
			res, err := durable.Map(ctx, "each", []string{"x", "y"}, func(cc durable.Context, s string, _ int) (string, error) {
				return durable.Step(cc, "item", echoStep(s))
			})
			if err != nil {
				return "", err
			}
			v, err := f.Result(ctx)
			if err != nil {
				return "", err
			}
			return "", fmt.Errorf("failed after %s and %v", v, res.Results())
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := NewLocalRunner(tc.handler).RunUntilComplete("in")
			if err != nil {
				t.Fatalf("RunUntilComplete: %v", err)
			}
			if res.Status == StatusPending {
				t.Fatalf("status = %s, want a closed execution", res.Status)
			}
		})
	}
}

func TestWithoutReplayCheck(t *testing.T) {
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		return fmt.Sprint(rand.Int64()), nil
	})
	if _, err := r.RunUntilComplete("in", WithoutReplayCheck()); err != nil {
		t.Fatalf("with the check off: %v", err)
	}
	if _, err := r.RunUntilComplete("in"); err == nil {
		t.Fatal("with the check on: no error for a random result")
	}
}

func TestJSONDiff(t *testing.T) {
	tests := []struct {
		a, b           string
		path, rec, rep string
	}{
		{`{"a":1,"b":{"c":[1,2,3]}}`, `{"a":1,"b":{"c":[1,5,3]}}`, "Result.b.c[1]", "2", "5"},
		{`{"a":1}`, `{"a":1,"z":true}`, "Result.z", "absent", "true"},
		{`[1,2]`, `[1,2,3]`, "Result", "[1,2]", "[1,2,3]"},
		{`not json`, `"x"`, "Result", `"not json"`, `"\"x\""`},
	}
	for _, tc := range tests {
		path, rec, rep := jsonDiff("Result", []byte(tc.a), []byte(tc.b))
		if path != tc.path || rec != tc.rec || rep != tc.rep {
			t.Errorf("jsonDiff(%s, %s) = %s %s %s, want %s %s %s", tc.a, tc.b, path, rec, rep, tc.path, tc.rec, tc.rep)
		}
	}
}
