// Command loopfn is the long-running durable function of
// BenchmarkServeBurst: Input.Steps times, a step and then a durable wait
// of Input.WaitSeconds. After each step it ran (not one replayed), it
// prints a line "loopfn-step <Input.ID>" on stdout, so the benchmark can
// tell when each running execution progressed.
package main

import (
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// Input is the function's event.
type Input struct {
	ID          int `json:"id"`
	Steps       int `json:"steps"`
	WaitSeconds int `json:"waitSeconds"`
}

func main() {
	durable.Start(func(ctx durable.Context, in Input) (int, error) {
		for i := range in.Steps {
			ran := false
			if _, err := durable.Step(ctx, fmt.Sprint("s", i), func(durable.StepContext) (int, error) {
				ran = true
				return i, nil
			}); err != nil {
				return 0, err
			}
			if ran {
				fmt.Printf("loopfn-step %d\n", in.ID)
			}
			if err := durable.Wait(ctx, fmt.Sprint("w", i), time.Duration(in.WaitSeconds)*time.Second); err != nil {
				return 0, err
			}
		}
		return in.Steps, nil
	})
}
