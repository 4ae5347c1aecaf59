package rfc7591

import "testing"

func TestTokenBound(t *testing.T) {
	for _, c := range []struct {
		token string
		pass  bool
	}{
		{"rat-0000000a", false},                                    // a counter: 12 characters of 37 symbols
		{"0123456789abcdef0123456789abcdef", true},                 // 128 random bits in hex
		{"0123456789abcdef0123", false},                            // 20 characters of 36 symbols: 103 bits at most
		{"u8Jx3KqL0pWz9Yb2Rt5Vn1Mc7Hd4Gf6Sa0Eq2Wr8Ty", true},       // 43 base64url characters (256 bits)
		{"123456789012345678901234567890123456789", true},          // 39 decimal digits: 129 bits
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2ln", true}, // a JWT
		{"", false},
	} {
		if _, bits := tokenBound(c.token); (bits >= minTokenBits) != c.pass {
			t.Errorf("tokenBound(%q) = %.1f bits, want passing %v", c.token, bits, c.pass)
		}
	}
}
