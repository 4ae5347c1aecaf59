package framework

import (
	"crypto"
	"slices"
	"sync"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
)

// Discovery returns the target's discovery document, fetched once per run; nil without a discovery URL.
func (f *Framework) Discovery() map[string]any {
	doc, err := f.Target.DiscoveryDocument(f.Ctx, f.Client)
	if err != nil {
		f.Failf("the discovery document", "%v", err)
	}
	return doc
}

// Advertised reports whether the discovery document lists value under key; without discovery, false.
func (f *Framework) Advertised(key, value string) bool {
	list, _ := f.Discovery()[key].([]any)
	return slices.Contains(list, any(value))
}

var (
	rogueOnce sync.Once
	rogueRSA  crypto.Signer
	rogueEC   crypto.Signer
	rogueErr  error
)

// RogueKey is a key that the directory never published, carrying the kid and alg of sw's signing key:
// what it signs must fail verification against sw's key set.
func (f *Framework) RogueKey(sw *target.Software) joseutil.Key {
	rogueOnce.Do(func() {
		if rogueRSA, rogueErr = pki.NewRSAKey(); rogueErr == nil {
			rogueEC, rogueErr = pki.NewECKey()
		}
	})
	if rogueErr != nil {
		f.Failf("to make a rogue key", "%v", rogueErr)
	}
	signer := rogueRSA
	if sw.SigningKey.Alg == "ES256" {
		signer = rogueEC
	}
	return joseutil.Key{Signer: signer, KeyID: sw.SigningKey.KeyID, Alg: sw.SigningKey.Alg}
}

// ExpireTokens makes the client's access tokens expire, or skips the spec when the target cannot.
func (f *Framework) ExpireTokens(clientID string) {
	if f.Target.ExpireTokens == nil {
		f.Skipf("needs a target whose token expiry the harness controls (the embedded default); this one has none")
	}
	if err := f.Target.ExpireTokens(clientID); err != nil {
		f.Failf("the target to expire the client's tokens", "%v", err)
	}
}
