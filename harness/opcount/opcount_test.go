package opcount_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"

	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/harness/pki"
)

func TestCountsByKeyType(t *testing.T) {
	before := opcount.Snapshot()
	ca, err := pki.NewCA("opcount") // two EC keys, two EC-signed certificates
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.IssueServer("127.0.0.1") // one EC key, one EC signature
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Verify(leaf.Leaf, x509.ExtKeyUsageServerAuth); err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	opcount.Signed(k.Public()) // counted by key type
	got := opcount.Snapshot().Sub(before)
	want := opcount.Counts{}
	want[opcount.ECKeyGen] = 3
	want[opcount.ECSign] = 4
	want[opcount.ECVerify] = 2
	if got != want {
		t.Fatalf("counts: got %v, want %v", got, want)
	}
}
