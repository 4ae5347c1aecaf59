package target

import (
	"context"
	"crypto"
	"sync"
	"testing"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// A prefetching directory hands each software identity, and each SSA issued ahead, to one caller only;
// a software whose status changed gets a fresh SSA; after stop it still creates software.
func TestPrefetchingDirectory(t *testing.T) {
	d, err := mockdirectory.New(mockdirectory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir, stop := PrefetchingDirectory(d, 2, keypool.StartShared(2, pki.GenerateRSAKey))
	ctx := context.Background()
	p := dir.(*inProcess)

	// The first plain SSA names the profile the prefetcher presigns for.
	first, err := dir.NewSoftware(ctx, SoftwareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.IssueSSA(ctx, first, mockdirectory.SSAOptions{Profile: "uk"}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	softwares := make([]*Software, 8)
	for i := range softwares {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw, err := dir.NewSoftware(ctx, SoftwareOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[sw.ID] {
				t.Errorf("software %s handed out twice", sw.ID)
			}
			seen[sw.ID] = true
			softwares[i] = sw
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	presigned := 0
	for _, sw := range softwares {
		p.mu.Lock()
		pre, ok := p.presigned[sw]
		p.mu.Unlock()
		a, err := dir.IssueSSA(ctx, sw, mockdirectory.SSAOptions{Profile: "uk"})
		if err != nil {
			t.Fatal(err)
		}
		if ok && pre.profile == "uk" {
			presigned++
			if a != pre.ssa {
				t.Errorf("%s: the SSA issued ahead was not used", sw.ID)
			}
		}
		b, err := dir.IssueSSA(ctx, sw, mockdirectory.SSAOptions{Profile: "uk"})
		if err != nil {
			t.Fatal(err)
		}
		if a == b {
			t.Errorf("%s: the same SSA handed out twice", sw.ID)
		}
	}
	if presigned == 0 {
		t.Error("no SSA was issued ahead")
	}

	// A status change drops the SSA issued ahead; another profile's plain SSA is not it either.
	sw, err := dir.NewSoftware(ctx, SoftwareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	pre, ok := p.presigned[sw]
	p.mu.Unlock()
	if !ok {
		t.Fatalf("%s: no SSA issued ahead", sw.ID)
	}
	if err := dir.SetSoftwareStatus(ctx, sw, "Active"); err != nil {
		t.Fatal(err)
	}
	if ssa, err := dir.IssueSSA(ctx, sw, mockdirectory.SSAOptions{Profile: "uk"}); err != nil || ssa == pre.ssa {
		t.Errorf("after a status change: the SSA issued ahead was handed out (err %v)", err)
	}

	stop()
	if _, ok := <-p.ready; ok {
		// What was ready before stop may still be handed out; the channel then closes.
		for range p.ready {
		}
	}
	if sw, err := dir.NewSoftware(ctx, SoftwareOptions{}); err != nil || sw.ID == "" {
		t.Errorf("after stop: %v", err)
	}
	stop() // twice is harmless
}

// Default identities share the pool's key pairs, each with a certificate of its own; an identity that
// asks for OwnKeys, and an EC one, has keys no other identity has.
func TestSharedKeys(t *testing.T) {
	d, err := mockdirectory.New(mockdirectory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir, stop := PrefetchingDirectory(d, 2, keypool.StartShared(2, pki.GenerateRSAKey))
	defer stop()
	ctx := context.Background()
	thumb := func(sw *Software, transport bool) string {
		var pub crypto.PublicKey = sw.SigningKey.Signer.Public()
		if transport {
			pub = sw.Transport.Leaf.PublicKey
		}
		tp, err := joseutil.Thumbprint(pub)
		if err != nil {
			t.Fatal(err)
		}
		return tp
	}
	owner := map[string]string{} // key thumbprint -> the software IDs holding it
	certs := map[string]bool{}
	var shared []*Software
	for range 6 {
		sw, err := dir.NewSoftware(ctx, SoftwareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		shared = append(shared, sw)
		if thumb(sw, false) == thumb(sw, true) {
			t.Errorf("%s: signing and transport key are the same", sw.ID)
		}
		if sw.Transport.Leaf.Subject.CommonName != sw.ID || certs[string(sw.Transport.Leaf.Raw)] {
			t.Errorf("%s: the transport certificate is not the software's own", sw.ID)
		}
		certs[string(sw.Transport.Leaf.Raw)] = true
		owner[thumb(sw, false)] += sw.ID + " "
		owner[thumb(sw, true)] += sw.ID + " "
	}
	if len(owner) > 4 {
		t.Errorf("6 default identities hold %d distinct keys, want at most the pool's 4", len(owner))
	}
	for _, opts := range []SoftwareOptions{{OwnKeys: true}, {KeyType: "EC"}, {KeyType: "EC", OwnKeys: true}} {
		sw, err := dir.NewSoftware(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, transport := range []bool{false, true} {
			if ids, ok := owner[thumb(sw, transport)]; ok {
				t.Errorf("%+v: %s holds a key of %s", opts, sw.ID, ids)
			}
		}
	}
}
