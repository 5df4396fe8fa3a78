// Command crashfn is the durable function of durablectl's kill -9 test. It
// runs Input.Steps steps; each step body first appends a line
// "<execution ARN>\t<step name>\t<unix nanoseconds>" to the file
// Input.Log, so the test can tell whether a step body ran again after its
// success was recorded.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// Input is the function's event.
type Input struct {
	Steps int    `json:"steps"`
	Log   string `json:"log"`
}

func main() {
	durable.Start(func(ctx durable.Context, in Input) (int, error) {
		for i := range in.Steps {
			name := fmt.Sprintf("step-%d", i)
			if _, err := durable.Step(ctx, name, func(durable.StepContext) (int, error) {
				if err := logRun(in.Log, ctx.ExecutionArn(), name); err != nil {
					return 0, err
				}
				time.Sleep(2 * time.Millisecond)
				return i, nil
			}); err != nil {
				return 0, err
			}
		}
		return in.Steps, nil
	})
}

// logRun appends one line for a run of a step body.
func logRun(path, arn, step string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, werr := fmt.Fprintf(f, "%s\t%s\t%d\n", arn, step, time.Now().UnixNano())
	return errors.Join(werr, f.Close())
}
