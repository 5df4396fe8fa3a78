package bugs

import (
	crand "crypto/rand"
	"database/sql"
	"math/rand"
	randv2 "math/rand/v2"
	"os"
	"time"

	"example.com/corpus/lib"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/google/uuid"
)

func deadline() time.Time { return time.Now().Add(time.Hour) }

func orderID() string { return uuid.NewString() }

func nondetBugs(ctx durable.Context, prices map[string]int, db *sql.DB, a, b chan string, src lib.Source) (string, error) {
	if time.Now().Hour() < 12 { // bug: durablenondeterminism
		_ = durable.Wait(ctx, "morning", 1)
	}
	if time.Since(durable.ExecutionStartTime(ctx)) > time.Hour { // bug: durablenondeterminism
		return "late", nil
	}
	time.Sleep(10 * time.Millisecond)               // bug: durablenondeterminism
	name := "pick-" + lib.Format("x", rand.Intn(3)) // bug: durablenondeterminism
	_, _ = durable.Step(ctx, name, stepOK)
	_ = randv2.N(10) // bug: durablenondeterminism
	r := rand.New(rand.NewSource(42))
	_ = lib.Format("r", r.Intn(5)) // bug: durablenondeterminism
	key := make([]byte, 8)
	_, _ = crand.Read(key) // bug: durablenondeterminism
	id := uuid.New()       // bug: durablenondeterminism
	_ = id
	_ = orderID()                                                      // bug: durablenondeterminism
	_ = deadline()                                                     // bug: durablenondeterminism
	_ = lib.Clock()                                                    // bug: durablenondeterminism
	_ = lib.Token(r)                                                   // bug: durablenondeterminism
	region := lib.Region()                                             // bug: durablenondeterminism
	table := os.Getenv("TABLE")                                        // bug: durablenondeterminism
	cfg, _ := os.ReadFile("/var/task/config.json")                     // bug: durablenondeterminism
	row := db.QueryRow("select price from items where id = $1", table) // bug: durablenondeterminism
	_ = row
	_ = ctx.RequestID()        // bug: durablenondeterminism
	for item := range prices { // bug: durablenondeterminism
		_ = lib.Record(ctx, item)
	}
	select { // bug: durablenondeterminism
	case v := <-a:
		name = v
	case v := <-b:
		name = v
	}
	_, _ = durable.RunInChildContext(ctx, "child", func(cc durable.Context) (int64, error) {
		return time.Now().UnixNano(), nil // bug: durablenondeterminism
	})
	if src.Now().IsZero() { // bug: durablenondeterminism miss: a call through an interface
		return "", nil
	}
	return region + string(cfg) + name, nil
}
