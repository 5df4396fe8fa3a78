package nondet

import (
	crand "crypto/rand"
	"database/sql"
	"fmt"
	"maps"
	"math/rand"
	randv2 "math/rand/v2"
	"os"
	"slices"
	"time"

	"example.com/helpers"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/google/uuid"
)

func localStamp() int64 { return time.Now().Unix() }

func handler(ctx durable.Context, in map[string]int, db *sql.DB, ch1, ch2 chan int) (string, error) {
	_ = time.Now()              // want `time.Now differs on every replay`
	_ = time.Since(time.Time{}) // want `time.Since`
	time.Sleep(time.Second)     // want `time.Sleep`
	<-time.After(time.Second)   // want `time.After`
	_ = rand.Intn(3)            // want `rand.Intn`
	r := rand.New(rand.NewSource(1))
	_ = r.Intn(3)          // want `\(\*rand.Rand\).Intn`
	_ = randv2.IntN(3)     // want `rand.IntN`
	_, _ = crand.Read(nil) // want `rand.Read`
	_ = uuid.NewString()   // want `uuid.NewString \(a random UUID\)`
	_ = uuid.NewSHA1(uuid.UUID{}, nil)
	_ = os.Getenv("TABLE")       // want `os.Getenv`
	_, _ = os.ReadFile("/etc/x") // want `os.ReadFile`
	_, _ = db.Query("select 1")  // want `\(\*sql.DB\).Query`
	_ = ctx.RequestID()          // want `Context.RequestID`
	_ = helpers.Stamp()          // want `helpers.Stamp → time.Now`
	_ = helpers.Jitter()         // want `helpers.Jitter → helpers.pick → rand.Intn`
	_ = localStamp()             // want `nondet.localStamp → time.Now`
	for k := range in {          // want `range over a map records durable operations \(durable.Step\)`
		_, _ = durable.Step(ctx, k, func(durable.StepContext) (int, error) { return 1, nil })
	}
	for k := range maps.Keys(in) { // want `range over a map records durable operations \(helpers.Save → durable.Step\)`
		_ = helpers.Save(ctx, k)
	}
	select { // want `select over several channels`
	case <-ch1:
	case <-ch2:
	}
	_, _ = durable.RunInChildContext(ctx, "child", func(cc durable.Context) (int, error) {
		return int(time.Now().Unix()), nil // want `time.Now`
	})

	// Fine: inside steps, sorted keys, recorded time, seeded or pure code.
	_, _ = durable.Step(ctx, "s", func(sc durable.StepContext) (string, error) {
		_ = os.Getenv("X")
		return helpers.Stamp() + time.Now().String(), nil
	})
	for _, k := range slices.Sorted(maps.Keys(in)) {
		_ = helpers.Save(ctx, k)
	}
	total := 0
	for _, v := range in {
		total += v
	}
	_ = durable.ExecutionStartTime(ctx)
	_, _ = helpers.StampInStep(ctx)
	select {
	case v := <-ch1:
		total += v
	default:
	}
	return helpers.Pure(fmt.Sprint(total)), nil
}
