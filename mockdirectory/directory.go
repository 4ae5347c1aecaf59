package mockdirectory

import (
	"crypto"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
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
	memIDs     bool   // Config.IdentitiesInMemory
	st         *store // nil: in memory
	lock       *stateLock
	ca         *pki.CA
	caBundle   []byte
	baseURL    atomic.Pointer[string]
	handler    http.Handler

	mu      sync.RWMutex
	dirKeys []dirKey              // publication order; the last key of an alg is the active one
	orgs    map[string]*orgRecord // immutable records, replaced on change
	runs    map[string]*Run       // open runs (see runs.go); immutable, replaced on change
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
		memIDs:     cfg.IdentitiesInMemory,
		orgs:       map[string]*orgRecord{},
		runs:       map[string]*Run{},
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
	if err := d.loadRuns(); err != nil {
		return err
	}
	if _, err := d.ExpireRuns(); err != nil {
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
