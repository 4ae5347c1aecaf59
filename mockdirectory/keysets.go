package mockdirectory

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"github.com/go-jose/go-jose/v4"
)

// Key sets are rebuilt when they change and served from memory: their JSON depends only on the stored keys
// and their stored order (publication order for the directory, creation order for organisations, software
// and keys), so a restart with the same state serves the same bytes.

func marshalSet(keys []jose.JSONWebKey) []byte {
	if keys == nil {
		keys = []jose.JSONWebKey{}
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		// Every key here is a public RSA or EC key with a matching certificate: go-jose cannot fail on it.
		panic("mockdirectory: marshal key set: " + err.Error())
	}
	return b
}

func (d *Directory) putSet(path string, keys []jose.JSONWebKey) {
	b := marshalSet(keys)
	sum := sha256.Sum256(b)
	d.sets[path] = b
	d.etags[path] = `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// rebuildDirectorySets republishes the directory signing keys. Callers hold d.mu for writing.
func (d *Directory) rebuildDirectorySets() {
	keys := make([]jose.JSONWebKey, len(d.dirKeys))
	for i, k := range d.dirKeys {
		keys[i] = k.key.PublicJWK()
	}
	d.putSet(DirectoryJWKSPath, keys)
	d.putSet(CDRJWKSPath, keys)
}

// rebuildOrgSets republishes an organisation's key sets and those of its software: the organisation's
// live (revoked) set is the union of its software's live (revoked) sets. Callers hold d.mu for writing.
func (d *Directory) rebuildOrgSets(orgID string) {
	var orgLive, orgRevoked []jose.JSONWebKey
	for _, e := range d.softwareOf(orgID) {
		live, revoked := e.publicKeys()
		d.putSet(SoftwareJWKSPath(orgID, e.rec.ID), live)
		d.putSet(SoftwareRevokedJWKSPath(orgID, e.rec.ID), revoked)
		orgLive = append(orgLive, live...)
		orgRevoked = append(orgRevoked, revoked...)
	}
	d.putSet(OrgJWKSPath(orgID), orgLive)
	d.putSet(OrgRevokedJWKSPath(orgID), orgRevoked)
}

// publicKeys are the software's keys as JWKs, public members only, with use "sig" or "tls", x5c and x5t#S256.
// Every key of a software that is not Active is revoked.
func (e *swEntry) publicKeys() (live, revoked []jose.JSONWebKey) {
	inactive := e.rec.Status != "" && e.rec.Status != StatusActive
	for _, r := range e.rec.Keys {
		jwk := e.keys[r.KID].PublicJWK()
		jwk.Use = r.Use
		if r.Status == keyRevoked || inactive {
			revoked = append(revoked, jwk)
		} else {
			live = append(live, jwk)
		}
	}
	return live, revoked
}
