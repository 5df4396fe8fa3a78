package boltstore

import (
	"bytes"
	"testing"

	"github.com/acme/durable-lambda-go/emulator"
)

// FuzzFrame: decoding any bytes as a frame never panics, and a frame that
// decodes is exactly the encoding of what it decoded to.
func FuzzFrame(f *testing.F) {
	frame, err := appendFrame(nil, []emulator.Change{
		{Key: "0000000000000001", Header: []byte(`{"arn":"x"}`), Items: []emulator.Item{
			{List: emulator.ListOperations, Index: 0, Data: []byte(`{"Id":"a"}`)},
			{List: emulator.ListEvents, Index: 3, Data: []byte(`{}`)}}},
		{Key: "0000000000000002", Delete: true},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(frame)
	f.Add(frame[:len(frame)-1])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		changes, n, err := nextFrame(data)
		if err != nil {
			return
		}
		again, err := appendFrame(nil, changes)
		if err != nil {
			t.Fatalf("re-encoding a decoded frame: %v", err)
		}
		if !bytes.Equal(again, data[:n]) {
			t.Fatalf("frame %x decodes to %+v, which encodes to %x", data[:n], changes, again)
		}
	})
}
