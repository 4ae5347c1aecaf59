package mockdirectory

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// Paths of the directory's own key set (the UK keystore's real path) and of the CDR register's.
const (
	DirectoryJWKSPath = "/keystore/openbanking.jwks"
	CDRJWKSPath       = "/cdr-register/v1/jwks"
	CABundlePath      = "/ca.pem"
)

// Directory is a mock directory. All methods are safe for concurrent use.
type Directory struct {
	now        func() time.Time
	log        *slog.Logger
	adminToken string
	keySource  func(keyType string) (crypto.Signer, error)
	st         *store // nil: in memory
	lock       *stateLock
	ca         *pki.CA
	caBundle   []byte
	baseURL    atomic.Pointer[string]
	handler    http.Handler

	mu      sync.RWMutex
	dirKeys []dirKey              // publication order; the last key of an alg is the active one
	orgs    map[string]*orgRecord // immutable records, replaced on change
	sws     map[string]*swEntry   // immutable entries, replaced on change
	seq     int64                 // creation order of organisations and software
	sets    map[string][]byte     // served key sets by URL path
	etags   map[string]string     // their ETags

	rogueMu sync.Mutex
	rogue   map[string]joseutil.Key // never-published keys for BreakUnpublishedKey, by alg
}

type dirKey struct {
	key     joseutil.Key // private, with certificate chain
	created time.Time
}

type dirKeyRecord struct {
	KID       string    `json:"kid"`
	Alg       string    `json:"alg"`
	CreatedAt time.Time `json:"created_at"`
}

type dirKeyIndex struct {
	Keys []dirKeyRecord `json:"keys"`
}

type orgRecord struct {
	Organisation
	Seq       int64     `json:"seq"`
	CreatedAt time.Time `json:"created_at"`
}

// Software key states.
const (
	keyLive    = "live"
	keyRevoked = "revoked"
)

type keyRecord struct {
	KID       string     `json:"kid"`
	Use       string     `json:"use"` // sig or tls
	Alg       string     `json:"alg"`
	Status    string     `json:"status"` // live or revoked
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

type swRecord struct {
	Software
	Seq          int64       `json:"seq"`
	CreatedAt    time.Time   `json:"created_at"`
	SigningKID   string      `json:"signing_kid"`
	TransportKID string      `json:"transport_kid"`
	Keys         []keyRecord `json:"keys"` // creation order
}

type swEntry struct {
	rec  swRecord
	keys map[string]joseutil.Key // private keys with certificate chains, by kid
}

// New loads the directory's state from cfg.StateDir (or starts in memory), creating the CA and the
// directory signing keys (one RSA PS256 key, one EC ES256 key) when there are none, then applies the seed.
func New(cfg Config) (*Directory, error) {
	d := &Directory{
		now:        cfg.Now,
		log:        cfg.Logger,
		adminToken: cfg.AdminToken,
		keySource:  cfg.KeySource,
		orgs:       map[string]*orgRecord{},
		sws:        map[string]*swEntry{},
		sets:       map[string][]byte{},
		etags:      map[string]string{},
		rogue:      map[string]joseutil.Key{},
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.StateDir != "" {
		if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		// The lock comes first: the temporary files below may be another directory's writes in progress.
		lock, err := lockState(cfg.StateDir, d.now())
		if err != nil {
			return nil, err
		}
		d.lock = lock
		d.st = &store{dir: cfg.StateDir}
	}
	if err := d.load(cfg); err != nil {
		_ = d.Close()
		return nil, err
	}
	d.mu.Lock()
	d.rebuildDirectorySets()
	for id := range d.orgs {
		d.rebuildOrgSets(id)
	}
	d.mu.Unlock()
	d.SetBaseURL("http://localhost")
	d.handler = d.routes()
	return d, nil
}

func (d *Directory) load(cfg Config) error {
	if d.st != nil {
		if err := d.st.removeTemps(); err != nil {
			return err
		}
	}
	if err := d.loadCA(); err != nil {
		return err
	}
	if err := d.loadDirectoryKeys(); err != nil {
		return err
	}
	if err := d.loadParticipants(); err != nil {
		return err
	}
	if cfg.SeedFile != "" {
		return d.applySeedFile(cfg.SeedFile)
	}
	return nil
}

// Close releases the state directory's lock. With a state directory every change fails afterwards (reads
// still work), so that a closed directory never writes over the next one's state. Closing twice is harmless.
func (d *Directory) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.st != nil {
		d.st.closed = true
	}
	err := d.lock.release()
	d.lock = nil
	return err
}

// SetBaseURL sets the public base URL where Handler is served, used in the SSAs' *_jwks_endpoint and
// jwks_uri claims. In-process callers set it after listening. A trailing slash is dropped.
func (d *Directory) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	d.baseURL.Store(&u)
}

// BaseURL is the URL set by SetBaseURL ("http://localhost" until then).
func (d *Directory) BaseURL() string { return *d.baseURL.Load() }

// Handler serves the key sets, the CA bundle, the CDR register endpoints and the admin API.
func (d *Directory) Handler() http.Handler { return d.handler }

// CA is the directory's certificate authority (root and issuing CA).
func (d *Directory) CA() *pki.CA { return d.ca }

// CABundlePEM is the issuing CA followed by the root: a bank's trust store for transport certificates.
func (d *Directory) CABundlePEM() []byte { return slices.Clone(d.caBundle) }

// JWKSPath is the path of the directory's own signing key set: "/keystore/openbanking.jwks".
func (d *Directory) JWKSPath() string { return DirectoryJWKSPath }

// JWKSURL is the absolute URL of the directory's signing key set.
func (d *Directory) JWKSURL() string { return d.BaseURL() + DirectoryJWKSPath }

// CDRJWKSPath is the path of the CDR register's key set: "/cdr-register/v1/jwks" (the same keys).
func (d *Directory) CDRJWKSPath() string { return CDRJWKSPath }

// CDRSSAPath is the CDR register path serving the SSA of a software product (brandID is its organisation id).
func CDRSSAPath(industry, brandID, softwareProductID string) string {
	return "/cdr-register/v1/" + industry + "/data-recipients/brands/" + brandID + "/software-products/" + softwareProductID + "/ssa"
}

// OrgJWKSPath and the three functions below give the UK keystore paths of an organisation's and a
// software's live and revoked key sets.
func OrgJWKSPath(orgID string) string { return "/" + orgID + "/" + orgID + ".jwks" }

// OrgRevokedJWKSPath is /{org_id}/revoked/{org_id}.jwks.
func OrgRevokedJWKSPath(orgID string) string { return "/" + orgID + "/revoked/" + orgID + ".jwks" }

// SoftwareJWKSPath is /{org_id}/{software_id}.jwks.
func SoftwareJWKSPath(orgID, softwareID string) string {
	return "/" + orgID + "/" + softwareID + ".jwks"
}

// SoftwareRevokedJWKSPath is /{org_id}/revoked/{software_id}.jwks.
func SoftwareRevokedJWKSPath(orgID, softwareID string) string {
	return "/" + orgID + "/revoked/" + softwareID + ".jwks"
}

// KeySet returns the key set served at path (one of the paths above), as served: public members only.
func (d *Directory) KeySet(path string) (jose.JSONWebKeySet, error) {
	d.mu.RLock()
	b, ok := d.sets[path]
	d.mu.RUnlock()
	if !ok {
		return jose.JSONWebKeySet{}, notFound("key set", path)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("key set %s: %w", path, err)
	}
	return set, nil
}

// JWKS is the directory's published signing key set (public keys only).
func (d *Directory) JWKS() jose.JSONWebKeySet {
	set, err := d.KeySet(DirectoryJWKSPath)
	if err != nil {
		panic(err) // the directory set always exists
	}
	return set
}

// ---- organisations -----------------------------------------------------------------------------------

// CreateOrganisation validates and stores o. The ID is generated if empty (18 characters like
// "0015800001HQQrZAAX"); Status defaults to Active, Roles to AISP, PISP, CBPII.
func (d *Directory) CreateOrganisation(o Organisation) (Organisation, error) {
	o, err := normaliseOrganisation(o, "")
	if err != nil {
		return Organisation{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.createOrganisationLocked(o)
}

func (d *Directory) createOrganisationLocked(o Organisation) (Organisation, error) {
	if o.ID == "" {
		for o.ID = newOrgID(); d.idTaken(o.ID); o.ID = newOrgID() {
		}
	} else if d.idTaken(o.ID) {
		return Organisation{}, conflict("id", "id %q is already taken", o.ID)
	}
	fillOrganisationDefaults(&o)
	rec := &orgRecord{Organisation: o, Seq: d.seq + 1, CreatedAt: d.now().UTC()}
	if err := d.saveJSON("orgs/"+o.ID+".json", rec); err != nil {
		return Organisation{}, err
	}
	d.seq++
	d.orgs[o.ID] = rec
	d.rebuildOrgSets(o.ID)
	d.log.Info("organisation created", "org_id", o.ID, "status", o.Status)
	return cloneOrganisation(rec.Organisation), nil
}

func (d *Directory) idTaken(id string) bool {
	_, org := d.orgs[id]
	_, sw := d.sws[id]
	return org || sw
}

// Organisation returns the organisation with id.
func (d *Directory) Organisation(id string) (Organisation, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	rec, ok := d.orgs[id]
	if !ok {
		return Organisation{}, notFound("organisation", id)
	}
	return cloneOrganisation(rec.Organisation), nil
}

// Organisations lists the organisations in creation order.
func (d *Directory) Organisations() []Organisation {
	d.mu.RLock()
	defer d.mu.RUnlock()
	recs := make([]*orgRecord, 0, len(d.orgs))
	for _, r := range d.orgs {
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	out := make([]Organisation, len(recs))
	for i, r := range recs {
		out[i] = cloneOrganisation(r.Organisation)
	}
	return out
}

// SetOrganisationStatus changes an organisation's status (Active, Revoked, Withdrawn, Inactive). Its
// software keeps its keys; the SSAs it is issued carry the new org_status.
func (d *Directory) SetOrganisationStatus(orgID, status string) error {
	if err := validateStatus("status", status); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	old, ok := d.orgs[orgID]
	if !ok {
		return notFound("organisation", orgID)
	}
	rec := *old
	rec.Organisation = cloneOrganisation(old.Organisation)
	rec.Status = status
	if err := d.saveJSON("orgs/"+orgID+".json", &rec); err != nil {
		return err
	}
	d.orgs[orgID] = &rec
	d.log.Info("organisation status changed", "org_id", orgID, "status", status)
	return nil
}

// ---- software ----------------------------------------------------------------------------------------

// CreateSoftware validates and stores s under its organisation (s.OrgID), and issues its signing key (RSA
// PS256, or EC ES256 for KeyType "EC") with a signing certificate and its transport key and mTLS client
// certificate, both from the directory's issuing CA. The ID is generated if empty (22 base62 characters).
func (d *Directory) CreateSoftware(s Software) (Software, error) {
	return d.createSoftware(s, "")
}

func (d *Directory) createSoftware(s Software, prefix string) (Software, error) {
	if s.OrgID == "" {
		return Software{}, invalid(prefix+"org_id", "is required")
	}
	d.mu.RLock()
	org, ok := d.orgs[s.OrgID]
	taken := s.ID != "" && d.idTaken(s.ID)
	d.mu.RUnlock()
	if !ok {
		return Software{}, invalid(prefix+"org_id", "unknown organisation %q", s.OrgID)
	}
	s, err := normaliseSoftware(s, org.Organisation, prefix)
	if err != nil {
		return Software{}, err
	}
	if taken {
		return Software{}, conflict(prefix+"id", "id %q is already taken", s.ID)
	}
	if s.ID == "" {
		s.ID = newSoftwareID()
	}
	fillSoftwareDefaults(&s, org.Organisation)
	// Keys are made outside the lock: RSA key generation must not stall SSA issuance.
	signing, err := d.newSoftwareKey(s.OrgID, s.ID, s.KeyType, "sig", nil)
	if err != nil {
		return Software{}, err
	}
	transport, err := d.newSoftwareKey(s.OrgID, s.ID, s.KeyType, "tls", func(kid string) bool { return kid == signing.KeyID })
	if err != nil {
		return Software{}, err
	}
	now := d.now().UTC()

	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.orgs[s.OrgID]; !ok {
		return Software{}, invalid(prefix+"org_id", "unknown organisation %q", s.OrgID)
	}
	if d.idTaken(s.ID) {
		return Software{}, conflict(prefix+"id", "id %q is already taken", s.ID)
	}
	e := &swEntry{
		rec: swRecord{
			Software: s, Seq: d.seq + 1, CreatedAt: now, SigningKID: signing.KeyID, TransportKID: transport.KeyID,
			Keys: []keyRecord{
				{KID: signing.KeyID, Use: "sig", Alg: string(signing.Alg), Status: keyLive, CreatedAt: now},
				{KID: transport.KeyID, Use: "tls", Alg: string(transport.Alg), Status: keyLive, CreatedAt: now},
			},
		},
		keys: map[string]joseutil.Key{signing.KeyID: signing, transport.KeyID: transport},
	}
	if err := d.saveSoftwareKey(s.ID, signing); err != nil {
		return Software{}, err
	}
	if err := d.saveSoftwareKey(s.ID, transport); err != nil {
		return Software{}, err
	}
	if err := d.saveJSON("software/"+s.ID+".json", &e.rec); err != nil {
		return Software{}, err
	}
	d.seq++
	d.sws[s.ID] = e
	d.rebuildOrgSets(s.OrgID)
	d.log.Info("software created", "software_id", s.ID, "org_id", s.OrgID, "key_type", s.KeyType)
	return cloneSoftware(s), nil
}

// newSoftwareKey makes a key of keyType for use "sig" (signing certificate) or "tls" (mTLS client
// certificate), with a subject shaped like the UK directory's: CN=<software_id>, OU=<org_id>, O=OpenBanking, C=GB.
// A key from Config.KeySource that the software already has (used reports it) is replaced by a fresh one.
func (d *Directory) newSoftwareKey(orgID, softwareID, keyType, use string, used func(kid string) bool) (joseutil.Key, error) {
	var signer crypto.Signer
	var err error
	if d.keySource != nil {
		signer, err = d.keySource(keyType)
		if err == nil && used != nil {
			if kid, terr := joseutil.Thumbprint(signer.Public()); terr != nil || used(kid) {
				signer = nil
			}
		}
	}
	switch {
	case err != nil:
	case signer != nil:
	case keyType == KeyTypeEC:
		signer, err = pki.NewECKey()
	default:
		signer, err = pki.NewRSAKey()
	}
	if err != nil {
		return joseutil.Key{}, fmt.Errorf("generate key: %w", err)
	}
	subject := SoftwareSubject(orgID, softwareID)
	var cert *x509.Certificate
	if use == "tls" {
		cert, err = d.ca.IssueClient(subject, signer)
	} else {
		cert, err = d.ca.IssueSigning(subject, signer)
	}
	if err != nil {
		return joseutil.Key{}, err
	}
	k, err := joseutil.NewKey(signer)
	if err != nil {
		return joseutil.Key{}, err
	}
	k.Certs = []*x509.Certificate{cert, d.ca.Issuing}
	return k, nil
}

// SoftwareSubject is the subject DN of a software's certificates: CN=<software_id>, OU=<org_id>,
// O=OpenBanking, C=GB (the UK directory's shape).
func SoftwareSubject(orgID, softwareID string) pkix.Name {
	return pkix.Name{
		Country:            []string{"GB"},
		Organization:       []string{"OpenBanking"},
		OrganizationalUnit: []string{orgID},
		CommonName:         softwareID,
	}
}

// Software returns the software with id.
func (d *Directory) Software(id string) (Software, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	e, ok := d.sws[id]
	if !ok {
		return Software{}, notFound("software", id)
	}
	return cloneSoftware(e.rec.Software), nil
}

// SoftwareList lists the software of an organisation ("" for all) in creation order.
func (d *Directory) SoftwareList(orgID string) ([]Software, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if _, ok := d.orgs[orgID]; orgID != "" && !ok {
		return nil, notFound("organisation", orgID)
	}
	entries := d.softwareOf(orgID)
	out := make([]Software, len(entries))
	for i, e := range entries {
		out[i] = cloneSoftware(e.rec.Software)
	}
	return out, nil
}

// softwareOf lists the software of orgID ("" for all) in creation order. Callers hold d.mu.
func (d *Directory) softwareOf(orgID string) []*swEntry {
	var out []*swEntry
	for _, e := range d.sws {
		if orgID == "" || e.rec.OrgID == orgID {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rec.Seq < out[j].rec.Seq })
	return out
}

// SetSoftwareStatus changes a software's status (Active, Revoked, Withdrawn, Inactive). Its keys stay
// published; the SSAs it is issued carry the new software_status.
func (d *Directory) SetSoftwareStatus(softwareID, status string) error {
	if err := validateStatus("status", status); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	old, ok := d.sws[softwareID]
	if !ok {
		return notFound("software", softwareID)
	}
	e := old.clone()
	e.rec.Status = status
	if err := d.saveJSON("software/"+softwareID+".json", &e.rec); err != nil {
		return err
	}
	d.sws[softwareID] = e
	d.log.Info("software status changed", "software_id", softwareID, "status", status)
	return nil
}

func (e *swEntry) clone() *swEntry {
	n := &swEntry{rec: e.rec, keys: make(map[string]joseutil.Key, len(e.keys)+1)}
	n.rec.Software = cloneSoftware(e.rec.Software)
	n.rec.Keys = slices.Clone(e.rec.Keys)
	for k, v := range e.keys {
		n.keys[k] = v
	}
	return n
}

// Credentials returns a software's private keys: its live signing key and transport certificate, and its
// revoked keys.
func (d *Directory) Credentials(softwareID string) (Credentials, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	e, ok := d.sws[softwareID]
	if !ok {
		return Credentials{}, notFound("software", softwareID)
	}
	tk := e.keys[e.rec.TransportKID]
	c := Credentials{
		SoftwareID: softwareID,
		OrgID:      e.rec.OrgID,
		SigningKey: copyKey(e.keys[e.rec.SigningKID]),
		Transport:  d.ca.TLSCertificate(tk.Certs[0], tk.Signer),
	}
	for _, r := range e.rec.Keys {
		if r.Status == keyRevoked {
			c.Revoked = append(c.Revoked, copyKey(e.keys[r.KID]))
		}
	}
	return c, nil
}

func copyKey(k joseutil.Key) joseutil.Key {
	k.Certs = slices.Clone(k.Certs)
	return k
}

// SoftwareKeys lists a software's keys, live and revoked, in creation order.
func (d *Directory) SoftwareKeys(softwareID string) ([]KeyInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	e, ok := d.sws[softwareID]
	if !ok {
		return nil, notFound("software", softwareID)
	}
	out := make([]KeyInfo, 0, len(e.rec.Keys))
	for _, r := range e.rec.Keys {
		k := e.keys[r.KID]
		info := KeyInfo{KeyID: r.KID, Alg: r.Alg, Use: r.Use, Status: r.Status, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt, SoftwareID: softwareID}
		fillCertInfo(&info, k)
		out = append(out, info)
	}
	return out, nil
}

func fillCertInfo(info *KeyInfo, k joseutil.Key) {
	if len(k.Certs) == 0 {
		return
	}
	info.X5tS256 = pki.Thumbprint(k.Certs[0])
	info.SubjectDN = k.Certs[0].Subject.String()
	na := k.Certs[0].NotAfter.UTC()
	info.NotAfter = &na
}

// RevokeSoftwareKey moves a software's key (signing or transport) from its live key sets to its revoked
// key sets, and issues a fresh key of the same use (with its certificate) so that the software always has
// one live signing key and one live transport certificate. Credentials then returns the new key, and the
// revoked one in Revoked.
func (d *Directory) RevokeSoftwareKey(softwareID, kid string) error {
	d.mu.RLock()
	e, ok := d.sws[softwareID]
	var rec keyRecord
	if ok {
		rec, ok = findKey(e.rec.Keys, kid)
		if !ok {
			d.mu.RUnlock()
			return notFound("key", kid)
		}
	}
	d.mu.RUnlock()
	if e == nil {
		return notFound("software", softwareID)
	}
	if rec.Status == keyRevoked {
		return conflict("kid", "key %q is already revoked", kid)
	}
	fresh, err := d.newSoftwareKey(e.rec.OrgID, softwareID, e.rec.KeyType, rec.Use, func(kid string) bool {
		_, used := findKey(e.rec.Keys, kid)
		return used
	})
	if err != nil {
		return err
	}
	now := d.now().UTC()

	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.sws[softwareID]
	if r, _ := findKey(old.rec.Keys, kid); r.Status == keyRevoked {
		return conflict("kid", "key %q is already revoked", kid)
	}
	n := old.clone()
	for i := range n.rec.Keys {
		if n.rec.Keys[i].KID == kid {
			n.rec.Keys[i].Status = keyRevoked
			n.rec.Keys[i].RevokedAt = &now
		}
	}
	n.rec.Keys = append(n.rec.Keys, keyRecord{KID: fresh.KeyID, Use: rec.Use, Alg: string(fresh.Alg), Status: keyLive, CreatedAt: now})
	n.keys[fresh.KeyID] = fresh
	if rec.Use == "tls" {
		n.rec.TransportKID = fresh.KeyID
	} else {
		n.rec.SigningKID = fresh.KeyID
	}
	if err := d.saveSoftwareKey(softwareID, fresh); err != nil {
		return err
	}
	if err := d.saveJSON("software/"+softwareID+".json", &n.rec); err != nil {
		return err
	}
	d.sws[softwareID] = n
	d.rebuildOrgSets(n.rec.OrgID)
	d.log.Info("software key revoked", "software_id", softwareID, "kid", kid, "use", rec.Use, "new_kid", fresh.KeyID)
	return nil
}

func findKey(keys []keyRecord, kid string) (keyRecord, bool) {
	for _, r := range keys {
		if r.KID == kid {
			return r, true
		}
	}
	return keyRecord{}, false
}

// ---- directory signing keys --------------------------------------------------------------------------

func algOf(alg string) (jose.SignatureAlgorithm, error) {
	switch alg {
	case "", string(jose.PS256):
		return jose.PS256, nil
	case string(jose.ES256):
		return jose.ES256, nil
	}
	return "", invalid("alg", "must be PS256 or ES256")
}

// newDirectoryKey makes a directory signing key with a certificate from the issuing CA.
func (d *Directory) newDirectoryKey(alg jose.SignatureAlgorithm) (dirKey, error) {
	var signer crypto.Signer
	var err error
	if alg == jose.ES256 {
		signer, err = pki.NewECKey()
	} else {
		signer, err = pki.NewRSAKey()
	}
	if err != nil {
		return dirKey{}, fmt.Errorf("generate key: %w", err)
	}
	cert, err := d.ca.IssueSigning(pkix.Name{
		Country: []string{"GB"}, Organization: []string{"OpenBanking"}, OrganizationalUnit: []string{"Directory"},
		CommonName: "OpenBanking Directory SSA Signing",
	}, signer)
	if err != nil {
		return dirKey{}, err
	}
	k, err := joseutil.NewKey(signer)
	if err != nil {
		return dirKey{}, err
	}
	k.Certs = []*x509.Certificate{cert, d.ca.Issuing}
	return dirKey{key: k, created: d.now().UTC()}, nil
}

// RotateSigningKey adds a directory signing key for alg (PS256 or ES256) and makes it the active key of
// that alg. The previous keys stay published until retired.
func (d *Directory) RotateSigningKey(alg string) (kid string, err error) {
	a, err := algOf(alg)
	if err != nil {
		return "", err
	}
	k, err := d.newDirectoryKey(a)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	keys := append(slices.Clone(d.dirKeys), k)
	if err := d.saveDirectoryKey(k); err != nil {
		return "", err
	}
	if err := d.saveDirectoryIndex(keys); err != nil {
		return "", err
	}
	d.dirKeys = keys
	d.rebuildDirectorySets()
	d.log.Info("directory signing key rotated", "alg", a, "kid", k.key.KeyID)
	return k.key.KeyID, nil
}

// RetireSigningKey stops publishing a directory signing key. The only key of an alg cannot be retired.
func (d *Directory) RetireSigningKey(kid string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.dirKeys, func(k dirKey) bool { return k.key.KeyID == kid })
	if i < 0 {
		return notFound("signing key", kid)
	}
	alg := d.dirKeys[i].key.Alg
	n := 0
	for _, k := range d.dirKeys {
		if k.key.Alg == alg {
			n++
		}
	}
	if n < 2 {
		return conflict("kid", "key %q is the only %s signing key: rotate first", kid, alg)
	}
	keys := slices.Delete(slices.Clone(d.dirKeys), i, i+1)
	if err := d.saveDirectoryIndex(keys); err != nil {
		return err
	}
	if d.st != nil { // unreferenced now; a failure here leaves harmless orphans
		_ = d.st.remove("keys/" + kid + ".pem")
		_ = d.st.remove("keys/" + kid + "-key.pem")
	}
	d.dirKeys = keys
	d.rebuildDirectorySets()
	d.log.Info("directory signing key retired", "kid", kid)
	return nil
}

// SigningKeys lists the published directory signing keys; Status is "active" for the key of each alg
// that signs new SSAs and "published" for the others.
func (d *Directory) SigningKeys() []KeyInfo {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]KeyInfo, 0, len(d.dirKeys))
	for _, k := range d.dirKeys {
		info := KeyInfo{KeyID: k.key.KeyID, Alg: string(k.key.Alg), Use: "sig", Status: "published", CreatedAt: k.created}
		if a, _ := d.activeKeyLocked(k.key.Alg); a.KeyID == k.key.KeyID {
			info.Status = "active"
		}
		fillCertInfo(&info, k.key)
		out = append(out, info)
	}
	return out
}

// activeKeyLocked is the newest published key of alg. Callers hold d.mu.
func (d *Directory) activeKeyLocked(alg jose.SignatureAlgorithm) (joseutil.Key, bool) {
	for i := len(d.dirKeys) - 1; i >= 0; i-- {
		if d.dirKeys[i].key.Alg == alg {
			return d.dirKeys[i].key, true
		}
	}
	return joseutil.Key{}, false
}

// SigningKey returns the directory's active private signing key for alg (PS256 or ES256): for tests and
// benchmarks that need the raw key.
func (d *Directory) SigningKey(alg string) (joseutil.Key, error) {
	a, err := algOf(alg)
	if err != nil {
		return joseutil.Key{}, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	k, ok := d.activeKeyLocked(a)
	if !ok {
		return joseutil.Key{}, notFound("signing key for", string(a))
	}
	return copyKey(k), nil
}

// ---- copies ------------------------------------------------------------------------------------------

func cloneOrganisation(o Organisation) Organisation {
	o.Roles = slices.Clone(o.Roles)
	o.Contacts = slices.Clone(o.Contacts)
	auths := make([]Authorisation, len(o.Authorisations))
	for i, a := range o.Authorisations {
		auths[i] = Authorisation{MemberState: a.MemberState, Roles: slices.Clone(a.Roles)}
	}
	o.Authorisations = auths
	return o
}

func cloneSoftware(s Software) Software {
	s.Roles = slices.Clone(s.Roles)
	s.RedirectURIs = slices.Clone(s.RedirectURIs)
	return s
}
