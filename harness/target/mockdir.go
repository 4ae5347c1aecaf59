package target

import (
	"context"
	"crypto"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// InProcessDirectory adapts a mock directory running in this process. Every software it creates
// belongs to an organisation of its own, so that changing one's status touches no other spec.
func InProcessDirectory(d *mockdirectory.Directory) Directory { return &inProcess{d: d} }

// PrefetchingDirectory is InProcessDirectory creating default software identities (the ones most specs
// ask for) ahead, on a spare core, while the specs run: from the first one asked for, up to ahead of
// them wait ready. Each is still handed to one caller only. With keys (not nil), RSA identities that do
// not ask for OwnKeys take their key pair from that shared pool instead of two fresh keys. stop ends the
// creating, and the pool's.
func PrefetchingDirectory(d *mockdirectory.Directory, ahead int, keys *keypool.Shared) (dir Directory, stop func()) {
	p := &inProcess{d: d, keys: keys, ready: make(chan *Software, ahead), quit: make(chan struct{}), presigned: map[*Software]presignedSSA{}}
	return p, func() {
		p.stopOnce.Do(func() { close(p.quit) })
		p.wg.Wait()
		if keys != nil {
			keys.Stop()
		}
	}
}

type inProcess struct {
	d    *mockdirectory.Directory
	n    atomic.Int64
	keys *keypool.Shared // key pairs shared by identities that need no keys of their own; nil: none

	// Prefetching (nil ready: none): a goroutine started by the first default NewSoftware fills ready,
	// and closes it when quit is closed or a creation fails (callers then create their own). With each
	// software it issues the plain SSA of the profile last asked for (ssaProfile), handed out by the
	// software's first plain IssueSSA of that profile, unless its status changed first.
	ready      chan *Software
	quit       chan struct{}
	startOnce  sync.Once
	stopOnce   sync.Once
	wg         sync.WaitGroup
	ssaProfile atomic.Value // string
	mu         sync.Mutex
	presigned  map[*Software]presignedSSA
}

type presignedSSA struct{ profile, ssa string }

func (p *inProcess) prefetch() {
	defer p.wg.Done()
	defer close(p.ready)
	for {
		select {
		case <-p.quit:
			return
		default:
		}
		sw, err := p.create(context.Background(), SoftwareOptions{})
		if err != nil {
			return
		}
		p.presign(sw)
		select {
		case p.ready <- sw:
		case <-p.quit:
			return
		}
	}
}

// Redirect URIs every minted software has in its SSA.
var defaultRedirectURIs = []string{"https://tpp.example.com/callback", "https://tpp.example.com/callback2"}

func (p *inProcess) NewSoftware(ctx context.Context, opts SoftwareOptions) (*Software, error) {
	if p.ready != nil && opts == (SoftwareOptions{}) {
		p.startOnce.Do(func() {
			p.wg.Add(1)
			go p.prefetch()
		})
		select {
		case sw, ok := <-p.ready:
			if ok {
				return sw, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return p.create(ctx, opts)
}

func (p *inProcess) create(ctx context.Context, opts SoftwareOptions) (*Software, error) {
	// Shared key material first: while the pool is being made, the organisation can wait.
	var signingKey, transportKey crypto.Signer
	if p.keys != nil && !opts.OwnKeys && opts.KeyType != mockdirectory.KeyTypeEC {
		s, t, err := p.keys.Pair(ctx)
		if err != nil {
			return nil, fmt.Errorf("shared software keys: %w", err)
		}
		signingKey, transportKey = s, t
	}
	n := p.n.Add(1)
	var org mockdirectory.Organisation
	if opts.SiblingOf != nil {
		org.ID = opts.SiblingOf.OrgID
	} else {
		var err error
		if org, err = p.d.CreateOrganisation(mockdirectory.Organisation{Name: fmt.Sprintf("Conformance TPP %d", n), Status: "Active"}); err != nil {
			return nil, fmt.Errorf("create organisation: %w", err)
		}
	}
	sw, err := p.d.CreateSoftwareWithKeys(mockdirectory.Software{
		OrgID:        org.ID,
		ClientName:   fmt.Sprintf("Conformance software %d", n),
		Status:       "Active",
		Roles:        []string{"AISP", "PISP"},
		RedirectURIs: defaultRedirectURIs,
		KeyType:      opts.KeyType,
	}, signingKey, transportKey)
	if err != nil {
		return nil, fmt.Errorf("create software: %w", err)
	}
	creds, err := p.d.Credentials(sw.ID)
	if err != nil {
		return nil, fmt.Errorf("software credentials: %w", err)
	}
	transport := creds.Transport
	return &Software{
		ID:           sw.ID,
		OrgID:        org.ID,
		SigningKey:   creds.SigningKey,
		Transport:    &transport,
		RedirectURIs: append([]string(nil), sw.RedirectURIs...),
		Roles:        append([]string(nil), sw.Roles...),
	}, nil
}

func (p *inProcess) IssueSSA(_ context.Context, sw *Software, opts mockdirectory.SSAOptions) (string, error) {
	if isPlainSSA(opts) {
		p.ssaProfile.Store(opts.Profile)
		p.mu.Lock()
		pre, ok := p.presigned[sw]
		delete(p.presigned, sw)
		p.mu.Unlock()
		if ok && pre.profile == opts.Profile {
			return pre.ssa, nil
		}
	}
	return p.d.IssueSSA(sw.ID, opts)
}

// isPlainSSA: a valid SSA of a profile, signed as the directory signs, with no claim changed.
func isPlainSSA(o mockdirectory.SSAOptions) bool {
	return o.Alg == "" && o.Break == "" && len(o.Remove) == 0 && len(o.Set) == 0
}

// presign issues, ahead, the plain SSA of the profile last asked for, for a prefetched software.
func (p *inProcess) presign(sw *Software) {
	profile, ok := p.ssaProfile.Load().(string)
	if !ok {
		return
	}
	ssa, err := p.d.IssueSSA(sw.ID, mockdirectory.SSAOptions{Profile: profile})
	if err != nil {
		return
	}
	p.mu.Lock()
	p.presigned[sw] = presignedSSA{profile, ssa}
	p.mu.Unlock()
}

// forget drops an SSA issued ahead for sw: its status is changing.
func (p *inProcess) forget(sw *Software) {
	p.mu.Lock()
	delete(p.presigned, sw)
	p.mu.Unlock()
}

func (p *inProcess) SetSoftwareStatus(_ context.Context, sw *Software, status string) error {
	p.forget(sw)
	return p.d.SetSoftwareStatus(sw.ID, status)
}

func (p *inProcess) SetOrganisationStatus(_ context.Context, sw *Software, status string) error {
	p.forget(sw)
	return p.d.SetOrganisationStatus(sw.OrgID, status)
}
