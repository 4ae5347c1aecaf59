// Package opcount counts the expensive operations of a run (key generations, signatures,
// verifications, TLS handshakes) so that a benchmark can set wall time against a crypto floor:
// those counts times each operation's cost, measured in the same process (see Costs).
package opcount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Op is one kind of expensive operation.
type Op int

// The counted operations.
const (
	RSAKeyGen Op = iota
	ECKeyGen
	RSASign
	ECSign
	RSAVerify
	ECVerify
	TLSHandshake // a full client handshake (mutual TLS when a certificate is presented)
	TLSResumed   // a resumed handshake
	NumOps
)

var names = [NumOps]string{"rsa-keygen", "ec-keygen", "rsa-sign", "ec-sign", "rsa-verify", "ec-verify", "tls-full", "tls-resumed"}

// String is the operation's short name.
func (o Op) String() string {
	if o < 0 || o >= NumOps {
		return "unknown"
	}
	return names[o]
}

// Counts holds one count per Op.
type Counts [NumOps]int64

var counts [NumOps]atomic.Int64

// Add counts one op.
func Add(o Op) { counts[o].Add(1) }

var exchangeNanos atomic.Int64

// Exchanged adds the duration of one HTTP exchange with the target: what the bank's answers cost a run.
func Exchanged(d time.Duration) { exchangeNanos.Add(int64(d)) }

// ExchangeTime is the sum of the exchanges' durations so far.
func ExchangeTime() time.Duration { return time.Duration(exchangeNanos.Load()) }

// Snapshot returns the counts so far.
func Snapshot() Counts {
	var c Counts
	for i := range c {
		c[i] = counts[i].Load()
	}
	return c
}

// Sub returns c minus d, the ops between two snapshots.
func (c Counts) Sub(d Counts) Counts {
	for i := range c {
		c[i] -= d[i]
	}
	return c
}

// MarshalJSON writes the counts as an object by operation name ({"rsa-sign": 313, ...}).
func (c Counts) MarshalJSON() ([]byte, error) {
	m := make(map[string]int64, NumOps)
	for op := range NumOps {
		m[op.String()] = c[op]
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes; a name it does not know is an error, a missing one 0.
func (c *Counts) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*c = Counts{}
	for name, n := range m {
		i := slices.Index(names[:], name)
		if i < 0 {
			return fmt.Errorf("unknown operation %q", name)
		}
		c[i] = n
	}
	return nil
}

// Add returns c plus d, e.g. the ops of several processes.
func (c Counts) Add(d Counts) Counts {
	for i := range c {
		c[i] += d[i]
	}
	return c
}

// Signed counts a signature by the key type of pub.
func Signed(pub crypto.PublicKey) {
	switch pub.(type) {
	case *rsa.PublicKey:
		Add(RSASign)
	case *ecdsa.PublicKey:
		Add(ECSign)
	}
}

// Verified counts a signature verification by the key type of pub.
func Verified(pub crypto.PublicKey) {
	switch pub.(type) {
	case *rsa.PublicKey:
		Add(RSAVerify)
	case *ecdsa.PublicKey:
		Add(ECVerify)
	}
}

// Chains counts the signature checks of verified certificate chains: one per certificate below the root.
func Chains(chains [][]*x509.Certificate) {
	for _, ch := range chains {
		for i := 0; i+1 < len(ch); i++ {
			Verified(ch[i+1].PublicKey)
		}
	}
}
