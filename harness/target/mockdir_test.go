package target

import (
	"context"
	"sync"
	"testing"

	"github.com/dcrconform/dcrconform/mockdirectory"
)

// A prefetching directory hands each software identity, and each SSA issued ahead, to one caller only;
// a software whose status changed gets a fresh SSA; after stop it still creates software.
func TestPrefetchingDirectory(t *testing.T) {
	d, err := mockdirectory.New(mockdirectory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir, stop := PrefetchingDirectory(d, 2)
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
