//go:build !race

package rawsock

import "testing"

func TestWrapTakesTheSocketsDescriptor(t *testing.T) {
	client, _ := pair(t)
	if _, ok := client.(*Conn); !ok {
		t.Fatalf("Wrap gave %T, want *Conn", client)
	}
}
