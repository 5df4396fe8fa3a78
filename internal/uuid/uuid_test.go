package uuid_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/acme/durable-lambda-go/internal/uuid"
)

var v4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := uuid.New()
		if !v4.MatchString(id) {
			t.Fatalf("%q is not a version-4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("%q generated twice", id)
		}
		seen[id] = true
	}
}

func ExampleNew() {
	id := uuid.New()
	fmt.Println(len(id), id[14:15]) // 36 characters; the version digit is 4
	// Output: 36 4
}
