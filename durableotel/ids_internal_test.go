package durableotel

import "testing"

// TestSipHash24 checks sipHash24 against the test vectors of the SipHash
// paper's reference implementation: key 00 01 … 0f, messages 00 01 … of
// each length.
func TestSipHash24(t *testing.T) {
	const k0, k1 = 0x0706050403020100, 0x0f0e0d0c0b0a0908
	want := map[int]uint64{
		0:  0x726fdb47dd0e0e31,
		1:  0x74f839c593dc67fd,
		7:  0xab0200f58b01d137,
		8:  0x93f5f5799a932462,
		15: 0xa129ca6149be45e5,
		63: 0x958a324ceb064572,
	}
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = byte(i)
	}
	for n, w := range want {
		if got := sipHash24(k0, k1, msg[:n]); got != w {
			t.Errorf("sipHash24 of %d bytes = %#016x, want %#016x", n, got, w)
		}
	}
}
