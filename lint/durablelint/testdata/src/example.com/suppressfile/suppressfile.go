package suppressfile

import (
	"github.com/acme/durable-lambda-go/durable"
)

//durable:ignore-file goroutine -- this fixture checks the file-level form

func handler(ctx durable.Context, in string) (string, error) {
	go func() { _ = durable.Wait(ctx, "w", 0) }()
	go func() { _ = durable.Wait(ctx, "v", 0) }()
	return in, nil
}
