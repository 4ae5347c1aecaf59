package mockdirectory

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"}

// TestNoPrivateMembers fetches every key set the directory serves, RSA and EC, live and revoked, and
// checks that no key carries a private member, and that keys with certificates carry x5c and x5t#S256.
func TestNoPrivateMembers(t *testing.T) {
	f := newFixture(t, Config{})
	// Make every kind of set non-empty: revoke a signing and a transport key of each key type, rotate.
	for _, sw := range []Software{f.rsaSW, f.ecSW} {
		c, _ := f.d.Credentials(sw.ID)
		if err := f.d.RevokeSoftwareKey(sw.ID, c.SigningKey.KeyID); err != nil {
			t.Fatal(err)
		}
		tkid, _ := joseutil.Thumbprint(c.Transport.Leaf.PublicKey)
		if err := f.d.RevokeSoftwareKey(sw.ID, tkid); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.d.RotateSigningKey("PS256"); err != nil {
		t.Fatal(err)
	}
	paths := []string{
		DirectoryJWKSPath, CDRJWKSPath, OrgJWKSPath(f.org.ID), OrgRevokedJWKSPath(f.org.ID),
	}
	for _, sw := range []Software{f.rsaSW, f.ecSW} {
		paths = append(paths, SoftwareJWKSPath(f.org.ID, sw.ID), SoftwareRevokedJWKSPath(f.org.ID, sw.ID))
	}
	kty := map[string]int{}
	for _, p := range paths {
		r := get(t, f.srv.URL, p)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %d %q", p, r.status, r.header.Get("Content-Type"))
		}
		var raw struct {
			Keys []map[string]any `json:"keys"`
		}
		mustJSON(t, r.body, &raw)
		if len(raw.Keys) == 0 {
			t.Errorf("%s: empty", p)
		}
		for _, k := range raw.Keys {
			for _, m := range privateMembers {
				if _, ok := k[m]; ok {
					t.Errorf("%s: key %v has private member %q", p, k["kid"], m)
				}
			}
			kty[k["kty"].(string)]++
			if k["x5c"] == nil || k["x5t#S256"] == nil || k["kid"] == nil || k["use"] == nil || k["alg"] == nil {
				t.Errorf("%s: key %v lacks kid, use, alg, x5c or x5t#S256", p, k["kid"])
			}
		}
		// And through go-jose: every key is public, its kid is its RFC 7638 thumbprint, its x5t#S256 the
		// leaf certificate's.
		var set jose.JSONWebKeySet
		mustJSON(t, r.body, &set)
		for _, k := range set.Keys {
			if !k.IsPublic() {
				t.Errorf("%s: key %s is not public", p, k.KeyID)
			}
			if tp, _ := joseutil.Thumbprint(k.Key); tp != k.KeyID {
				t.Errorf("%s: kid %s is not the thumbprint %s", p, k.KeyID, tp)
			}
			if pki.Thumbprint(k.Certificates[0]) != b64(k.CertificateThumbprintSHA256) {
				t.Errorf("%s: x5t#S256 mismatch", p)
			}
		}
	}
	if kty["RSA"] == 0 || kty["EC"] == 0 {
		t.Errorf("key types served: %v", kty)
	}
	// The in-process accessor serves the same.
	for _, p := range paths {
		set, err := f.d.KeySet(p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(set)
		for _, m := range privateMembers {
			var raw struct{ Keys []map[string]any }
			_ = json.Unmarshal(b, &raw)
			for _, k := range raw.Keys {
				if _, ok := k[m]; ok {
					t.Errorf("KeySet(%s) has private member %s", p, m)
				}
			}
		}
	}
}

func TestRevokeMovesKey(t *testing.T) {
	f := newFixture(t, Config{})
	org, sw := f.org.ID, f.rsaSW.ID
	before, _ := f.d.Credentials(sw)
	kid := before.SigningKey.KeyID
	tkid, _ := joseutil.Thumbprint(before.Transport.Leaf.PublicKey)
	check := func(path string, want bool) {
		t.Helper()
		set, _ := fetchSet(t, f.srv.URL, path)
		if hasKid(set, kid) != want {
			t.Errorf("%s has %s: %v, want %v (%v)", path, kid, !want, want, kids(set))
		}
	}
	check(SoftwareJWKSPath(org, sw), true)
	check(OrgJWKSPath(org), true)
	check(SoftwareRevokedJWKSPath(org, sw), false)
	check(OrgRevokedJWKSPath(org), false)

	if err := f.d.RevokeSoftwareKey(sw, kid); err != nil {
		t.Fatal(err)
	}
	check(SoftwareJWKSPath(org, sw), false)
	check(OrgJWKSPath(org), false)
	check(SoftwareRevokedJWKSPath(org, sw), true)
	check(OrgRevokedJWKSPath(org), true)

	after, _ := f.d.Credentials(sw)
	if after.SigningKey.KeyID == kid || len(after.Revoked) != 1 || after.Revoked[0].KeyID != kid {
		t.Errorf("credentials after revocation: new %s, revoked %d", after.SigningKey.KeyID, len(after.Revoked))
	}
	live, _ := fetchSet(t, f.srv.URL, SoftwareJWKSPath(org, sw))
	if !hasKid(live, after.SigningKey.KeyID) || !hasKid(live, tkid) || len(live.Keys) != 2 {
		t.Errorf("live set after revocation: %v", kids(live))
	}
	// The other software's set is untouched.
	ec, _ := f.d.Credentials(f.ecSW.ID)
	if set, _ := fetchSet(t, f.srv.URL, SoftwareRevokedJWKSPath(org, f.ecSW.ID)); len(set.Keys) != 0 {
		t.Errorf("other software's revoked set: %v", kids(set))
	}
	if set, _ := fetchSet(t, f.srv.URL, OrgJWKSPath(org)); !hasKid(set, ec.SigningKey.KeyID) {
		t.Error("org set lost the other software's key")
	}
	if err := f.d.RevokeSoftwareKey(sw, kid); !errors.Is(err, ErrConflict) {
		t.Errorf("revoke twice: %v", err)
	}
	if err := f.d.RevokeSoftwareKey(sw, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown kid: %v", err)
	}
	if err := f.d.RevokeSoftwareKey("nope", kid); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke for unknown software: %v", err)
	}
	// Revoking the transport key issues a new transport certificate.
	if err := f.d.RevokeSoftwareKey(sw, tkid); err != nil {
		t.Fatal(err)
	}
	after2, _ := f.d.Credentials(sw)
	if after2.Transport.Leaf.Equal(before.Transport.Leaf) || len(after2.Revoked) != 2 {
		t.Error("transport certificate not replaced")
	}
	if err := f.d.CA().Verify(after2.Transport.Leaf, x509.ExtKeyUsageClientAuth); err != nil {
		t.Error(err)
	}
}

func TestRotateAndRetire(t *testing.T) {
	f := newFixture(t, Config{})
	oldSSA, _ := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{})
	oldKey, _ := f.d.SigningKey("PS256")
	kid, err := f.d.RotateSigningKey("PS256")
	if err != nil {
		t.Fatal(err)
	}
	set, _ := fetchSet(t, f.srv.URL, DirectoryJWKSPath)
	if !hasKid(set, kid) || !hasKid(set, oldKey.KeyID) || len(set.Keys) != 3 {
		t.Errorf("after rotation: %v", kids(set))
	}
	newSSA, _ := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{})
	if _, hdr, err := joseutil.Verify(newSSA, set, ssaAlgs); err != nil || hdr.KeyID != kid {
		t.Errorf("new SSA: %v, kid %s want %s", err, hdr.KeyID, kid)
	}
	if _, _, err := joseutil.Verify(oldSSA, set, ssaAlgs); err != nil {
		t.Errorf("old SSA no longer verifies before retirement: %v", err)
	}
	if err := f.d.RetireSigningKey(oldKey.KeyID); err != nil {
		t.Fatal(err)
	}
	set, _ = fetchSet(t, f.srv.URL, DirectoryJWKSPath)
	if hasKid(set, oldKey.KeyID) || len(set.Keys) != 2 {
		t.Errorf("after retirement: %v", kids(set))
	}
	if _, _, err := joseutil.Verify(oldSSA, set, ssaAlgs); !errors.Is(err, joseutil.ErrUnknownKey) {
		t.Errorf("old SSA after retirement: %v", err)
	}
	if err := f.d.RetireSigningKey(kid); !errors.Is(err, ErrConflict) {
		t.Errorf("retire the last PS256 key: %v", err)
	}
	ec, _ := f.d.SigningKey("ES256")
	if err := f.d.RetireSigningKey(ec.KeyID); !errors.Is(err, ErrConflict) {
		t.Errorf("retire the last ES256 key: %v", err)
	}
	if err := f.d.RetireSigningKey("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("retire unknown: %v", err)
	}
	if _, err := f.d.RotateSigningKey("RS256"); err == nil {
		t.Error("rotate RS256 succeeded")
	}
	keys := f.d.SigningKeys()
	if len(keys) != 2 || keys[0].Alg != "ES256" || keys[1].KeyID != kid || keys[1].Status != "active" {
		t.Errorf("signing keys %+v", keys)
	}
}

func TestCredentials(t *testing.T) {
	f := sharedFixture(t)
	for _, sw := range []Software{f.rsaSW, f.ecSW} {
		c, err := f.d.Credentials(sw.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantDN := fmt.Sprintf("CN=%s,OU=%s,O=OpenBanking,C=GB", sw.ID, f.org.ID)
		if got := c.Transport.Leaf.Subject.String(); got != wantDN {
			t.Errorf("transport subject %q, want %q", got, wantDN)
		}
		if got := c.SigningKey.Certs[0].Subject.String(); got != wantDN {
			t.Errorf("signing subject %q, want %q", got, wantDN)
		}
		if err := f.d.CA().Verify(c.Transport.Leaf, x509.ExtKeyUsageClientAuth); err != nil {
			t.Errorf("transport certificate: %v", err)
		}
		if len(c.Transport.Certificate) != 2 || !c.SigningKey.Certs[1].Equal(f.d.CA().Issuing) {
			t.Error("chains must hold the leaf and the issuing CA")
		}
		if _, err := c.SigningKey.Certs[0].Verify(x509.VerifyOptions{Roots: f.d.CA().Pool(), Intermediates: f.d.CA().IntermediatePool(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("signing certificate: %v", err)
		}
		if tp, _ := joseutil.Thumbprint(c.SigningKey.Certs[0].PublicKey); tp != c.SigningKey.KeyID {
			t.Error("signing certificate does not certify the signing key")
		}
		wantAlg := jose.PS256
		if sw.KeyType == KeyTypeEC {
			wantAlg = jose.ES256
		}
		if c.SigningKey.Alg != wantAlg {
			t.Errorf("signing alg %s, want %s", c.SigningKey.Alg, wantAlg)
		}
		// A request signed with the key verifies against the software's served key set.
		tok, err := joseutil.Sign(map[string]any{"iss": sw.ID}, c.SigningKey, "JWT")
		if err != nil {
			t.Fatal(err)
		}
		set, _ := fetchSet(t, f.srv.URL, SoftwareJWKSPath(f.org.ID, sw.ID))
		if _, _, err := joseutil.Verify(tok, set, ssaAlgs); err != nil {
			t.Errorf("request signed with the software key: %v", err)
		}
	}
	if _, err := f.d.Credentials("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown software: %v", err)
	}
}

// TestKeySourceReuse: a key source that hands out the same key again never gives a software two records
// with one kid.
func TestKeySourceReuse(t *testing.T) {
	k, err := pki.NewECKey()
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{KeySource: func(string) (crypto.Signer, error) { return k, nil }})
	if err != nil {
		t.Fatal(err)
	}
	org, _ := d.CreateOrganisation(Organisation{Name: "Pool"})
	sw, err := d.CreateSoftware(Software{OrgID: org.ID, ClientName: "Pooled", KeyType: KeyTypeEC})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := d.Credentials(sw.ID)
	if err := d.RevokeSoftwareKey(sw.ID, c.SigningKey.KeyID); err != nil {
		t.Fatal(err)
	}
	keys, _ := d.SoftwareKeys(sw.ID)
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k.KeyID] {
			t.Errorf("kid %s twice: %+v", k.KeyID, keys)
		}
		seen[k.KeyID] = true
	}
	if len(keys) != 3 {
		t.Errorf("%d keys, want 3", len(keys))
	}
}
