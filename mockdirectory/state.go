package mockdirectory

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// State layout under Config.StateDir:
//
//	ca/root.pem, ca/root-key.pem, ca/issuing.pem, ca/issuing-key.pem   the CA (root.pem written last)
//	keys/index.json                        directory signing keys in publication order (kid, alg, created_at)
//	keys/{kid}.pem, keys/{kid}-key.pem     certificate chain (leaf, issuing CA) and PKCS#8 private key
//	orgs/{org_id}.json                     an organisation (with its creation sequence number)
//	software/{software_id}.json            a software, with the records of its keys (live and revoked)
//	software/{software_id}/{kid}.pem       certificate chain of a software key
//	software/{software_id}/{kid}-key.pem   its PKCS#8 private key
//	runs/{run_id}.json                     an open run's lease (runs.go): its organisations go with it
//
// Files named .{name}.tmp-* are interrupted writes: removed on load. PEM files not referenced by a JSON
// record are ignored.

const caName = "OpenBanking Mock"

// kidPattern matches the RFC 7638 thumbprints used as kids (and as file names).
var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (d *Directory) saveJSON(rel string, v any) error {
	if d.st == nil || d.inMemory(rel) {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("state: marshal %s: %w", rel, err)
	}
	return d.st.writeFile(rel, append(b, '\n'), 0o644)
}

func (d *Directory) loadJSON(rel string, v any) error {
	b, err := d.st.readFile(rel)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("state: %s: %w", rel, err)
	}
	return nil
}

// saveKeyFiles writes a key's certificate chain and private key (private key first: the chain file is
// only read once a JSON record refers to the kid, which is written after both).
func (d *Directory) saveKeyFiles(prefix string, k joseutil.Key) error {
	if d.st == nil || d.inMemory(prefix) {
		return nil
	}
	keyPEM, err := pki.KeyPEM(k.Signer)
	if err != nil {
		return fmt.Errorf("state: encode key: %w", err)
	}
	if err := d.st.writeFile(prefix+"-key.pem", keyPEM, 0o600); err != nil {
		return err
	}
	return d.st.writeFile(prefix+".pem", chainPEM(k.Certs), 0o644)
}

// inMemory: rel is an organisation's or a software's file, and Config.IdentitiesInMemory keeps those
// out of the state.
func (d *Directory) inMemory(rel string) bool {
	return d.memIDs && (strings.HasPrefix(rel, "orgs/") || strings.HasPrefix(rel, "software/"))
}

func chainPEM(certs []*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pki.CertPEM(c)...)
	}
	return b
}

// loadKeyFiles reads a key saved by saveKeyFiles and checks that it is the key named kid.
func (d *Directory) loadKeyFiles(prefix, kid string) (joseutil.Key, error) {
	keyPEM, err := d.st.readFile(prefix + "-key.pem")
	if err != nil {
		return joseutil.Key{}, fmt.Errorf("state: %w", err)
	}
	signer, err := pki.ParseKeyPEM(keyPEM)
	if err != nil {
		return joseutil.Key{}, fmt.Errorf("state: %s-key.pem: %w", prefix, err)
	}
	certPEM, err := d.st.readFile(prefix + ".pem")
	if err != nil {
		return joseutil.Key{}, fmt.Errorf("state: %w", err)
	}
	certs, err := pki.ParseCertsPEM(certPEM)
	if err != nil {
		return joseutil.Key{}, fmt.Errorf("state: %s.pem: %w", prefix, err)
	}
	k, err := joseutil.NewKey(signer)
	if err != nil {
		return joseutil.Key{}, fmt.Errorf("state: %s-key.pem: %w", prefix, err)
	}
	if k.KeyID != kid {
		return joseutil.Key{}, fmt.Errorf("state: %s-key.pem holds key %s, not %s", prefix, k.KeyID, kid)
	}
	if tp, err := joseutil.Thumbprint(certs[0].PublicKey); err != nil || tp != kid {
		return joseutil.Key{}, fmt.Errorf("state: %s.pem does not certify key %s", prefix, kid)
	}
	k.Certs = certs
	return k, nil
}

func (d *Directory) saveSoftwareKey(softwareID string, k joseutil.Key) error {
	return d.saveKeyFiles("software/"+softwareID+"/"+k.KeyID, k)
}

func (d *Directory) saveDirectoryKey(k dirKey) error {
	return d.saveKeyFiles("keys/"+k.key.KeyID, k.key)
}

func (d *Directory) saveDirectoryIndex(keys []dirKey) error {
	idx := dirKeyIndex{Keys: make([]dirKeyRecord, len(keys))}
	for i, k := range keys {
		idx.Keys[i] = dirKeyRecord{KID: k.key.KeyID, Alg: string(k.key.Alg), CreatedAt: k.created}
	}
	return d.saveJSON("keys/index.json", &idx)
}

// loadCA loads the CA, or creates it when the state has none.
func (d *Directory) loadCA() error {
	if d.st != nil && d.st.exists("ca/root.pem") {
		ca := &pki.CA{}
		for _, f := range []struct {
			name string
			cert **x509.Certificate
		}{{"ca/root.pem", &ca.Root}, {"ca/issuing.pem", &ca.Issuing}} {
			b, err := d.st.readFile(f.name)
			if err != nil {
				return fmt.Errorf("state: %w", err)
			}
			certs, err := pki.ParseCertsPEM(b)
			if err != nil {
				return fmt.Errorf("state: %s: %w", f.name, err)
			}
			*f.cert = certs[0]
		}
		rk, err := d.readSigner("ca/root-key.pem")
		if err != nil {
			return err
		}
		ik, err := d.readSigner("ca/issuing-key.pem")
		if err != nil {
			return err
		}
		ca.RootKey, ca.IssuingKey = rk, ik
		if err := ca.Issuing.CheckSignatureFrom(ca.Root); err != nil {
			return fmt.Errorf("state: ca/issuing.pem is not signed by ca/root.pem: %w", err)
		}
		d.ca = ca
		d.caBundle = ca.BundlePEM()
		return nil
	}
	if d.st != nil && (d.st.exists("keys/index.json") || d.hasRecords()) {
		return fmt.Errorf("state: %s holds keys or records but no ca/root.pem", d.st.dir)
	}
	ca, err := pki.NewCA(caName)
	if err != nil {
		return err
	}
	if d.st != nil { // root.pem last: its presence means the CA is complete
		for _, f := range []struct {
			name string
			data func() ([]byte, error)
			perm os.FileMode
		}{
			{"ca/issuing-key.pem", func() ([]byte, error) { return pki.KeyPEM(ca.IssuingKey) }, 0o600},
			{"ca/issuing.pem", func() ([]byte, error) { return pki.CertPEM(ca.Issuing), nil }, 0o644},
			{"ca/root-key.pem", func() ([]byte, error) { return pki.KeyPEM(ca.RootKey) }, 0o600},
			{"ca/root.pem", func() ([]byte, error) { return pki.CertPEM(ca.Root), nil }, 0o644},
		} {
			b, err := f.data()
			if err != nil {
				return fmt.Errorf("state: encode %s: %w", f.name, err)
			}
			if err := d.st.writeFile(f.name, b, f.perm); err != nil {
				return err
			}
		}
	}
	d.ca = ca
	d.caBundle = ca.BundlePEM()
	return nil
}

func (d *Directory) hasRecords() bool {
	orgs, _ := d.st.list("orgs", ".json")
	sws, _ := d.st.list("software", ".json")
	return len(orgs) > 0 || len(sws) > 0
}

func (d *Directory) readSigner(rel string) (crypto.Signer, error) {
	b, err := d.st.readFile(rel)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	s, err := pki.ParseKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("state: %s: %w", rel, err)
	}
	return s, nil
}

// loadDirectoryKeys loads the directory signing keys, creating a PS256 and an ES256 key where missing.
func (d *Directory) loadDirectoryKeys() error {
	var keys []dirKey
	if d.st != nil && d.st.exists("keys/index.json") {
		var idx dirKeyIndex
		if err := d.loadJSON("keys/index.json", &idx); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, r := range idx.Keys {
			if !kidPattern.MatchString(r.KID) {
				return fmt.Errorf("state: keys/index.json: malformed kid %q", r.KID)
			}
			if seen[r.KID] {
				return fmt.Errorf("state: keys/index.json: kid %q listed twice", r.KID)
			}
			seen[r.KID] = true
			k, err := d.loadKeyFiles("keys/"+r.KID, r.KID)
			if err != nil {
				return err
			}
			if string(k.Alg) != r.Alg {
				return fmt.Errorf("state: keys/index.json: key %s is %s, not %s", r.KID, k.Alg, r.Alg)
			}
			keys = append(keys, dirKey{key: k, created: r.CreatedAt})
		}
	}
	changed := false
	for _, alg := range []jose.SignatureAlgorithm{jose.PS256, jose.ES256} {
		has := false
		for _, k := range keys {
			has = has || k.key.Alg == alg
		}
		if has {
			continue
		}
		k, err := d.newDirectoryKey(alg)
		if err != nil {
			return err
		}
		if err := d.saveDirectoryKey(k); err != nil {
			return err
		}
		keys = append(keys, k)
		changed = true
	}
	if changed {
		if err := d.saveDirectoryIndex(keys); err != nil {
			return err
		}
	}
	d.dirKeys = keys
	return nil
}

// loadParticipants loads the organisations and software records and their keys.
func (d *Directory) loadParticipants() error {
	if d.st == nil {
		return nil
	}
	names, err := d.st.list("orgs", ".json")
	if err != nil {
		return err
	}
	for _, n := range names {
		rel := "orgs/" + n
		var rec orgRecord
		if err := d.loadJSON(rel, &rec); err != nil {
			return err
		}
		if rec.ID != strings.TrimSuffix(n, ".json") {
			return fmt.Errorf("state: %s holds organisation %q", rel, rec.ID)
		}
		o, err := normaliseOrganisation(rec.Organisation, rel+": ")
		if err != nil {
			return fmt.Errorf("state: %w", err)
		}
		fillOrganisationDefaults(&o)
		rec.Organisation = o
		d.orgs[rec.ID] = &rec
		d.seq = max(d.seq, rec.Seq)
	}
	names, err = d.st.list("software", ".json")
	if err != nil {
		return err
	}
	for _, n := range names {
		rel := "software/" + n
		var rec swRecord
		if err := d.loadJSON(rel, &rec); err != nil {
			return err
		}
		if rec.ID != strings.TrimSuffix(n, ".json") {
			return fmt.Errorf("state: %s holds software %q", rel, rec.ID)
		}
		org, ok := d.orgs[rec.OrgID]
		if !ok {
			return fmt.Errorf("state: %s: unknown organisation %q", rel, rec.OrgID)
		}
		s, err := normaliseSoftware(rec.Software, org.Organisation, rel+": ")
		if err != nil {
			return fmt.Errorf("state: %w", err)
		}
		rec.Software = s
		e := &swEntry{rec: rec, keys: map[string]joseutil.Key{}}
		for _, kr := range rec.Keys {
			if !kidPattern.MatchString(kr.KID) || (kr.Use != "sig" && kr.Use != "tls") || (kr.Status != keyLive && kr.Status != keyRevoked) {
				return fmt.Errorf("state: %s: malformed key record %+v", rel, kr)
			}
			if _, dup := e.keys[kr.KID]; dup {
				return fmt.Errorf("state: %s: key %s recorded twice", rel, kr.KID)
			}
			k, err := d.loadKeyFiles("software/"+rec.ID+"/"+kr.KID, kr.KID)
			if err != nil {
				return err
			}
			e.keys[kr.KID] = k
		}
		for _, ref := range []struct{ kid, use string }{{rec.SigningKID, "sig"}, {rec.TransportKID, "tls"}} {
			if kr, ok := findKey(rec.Keys, ref.kid); !ok || kr.Use != ref.use || kr.Status != keyLive {
				return fmt.Errorf("state: %s: %s key %q is not a live key of the software", rel, ref.use, ref.kid)
			}
		}
		d.sws[rec.ID] = e
		d.seq = max(d.seq, rec.Seq)
	}
	return nil
}
