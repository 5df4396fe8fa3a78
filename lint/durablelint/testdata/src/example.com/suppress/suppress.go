package suppress

import (
	"os"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

func handler(ctx durable.Context, in string) (string, error) {
	//durable:ignore durablenondeterminism -- the table name is fixed per deployment
	table := os.Getenv("TABLE")
	_ = time.Now() //durable:ignore nondeterminism,closure -- the short names work too
	//durable:ignore durablenondeterminism // want `invalid //durable:ignore directive: it has no reason`
	_ = time.Now() // want `time.Now`
	//durable:ignore durablenondetermism -- misspelt // want `invalid //durable:ignore directive: it names an unknown rule`
	_ = time.Now() // want `time.Now`
	return table, nil
}
