package keypool

import (
	"crypto/ecdsa"
	"path/filepath"
	"testing"
)

func TestRotationSaveAndLoad(t *testing.T) {
	p, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Key("RSA")
	b, _ := p.Key("")
	c, _ := p.Key("RSA")
	if a == b || a != c {
		t.Fatal("want consecutive keys distinct and the pool to wrap after 2")
	}
	if ec, _ := p.Key("EC"); ec.(*ecdsa.PrivateKey) == nil {
		t.Fatal("no EC key")
	}
	if _, err := p.Key("DSA"); err == nil {
		t.Fatal("unknown key type accepted")
	}
	path := filepath.Join(t.TempDir(), "pool.pem")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	q, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.rsa) != 2 || !q.rsa[0].Equal(p.rsa[0]) {
		t.Fatal("loaded pool differs")
	}
}
