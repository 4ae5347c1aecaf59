package mockdirectory

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// CreateSoftware validates and stores s under its organisation (s.OrgID), and issues its signing key (RSA
// PS256, or EC ES256 for KeyType "EC") with a signing certificate and its transport key and mTLS client
// certificate, both from the directory's issuing CA. The ID is generated if empty (22 base62 characters).
func (d *Directory) CreateSoftware(s Software) (Software, error) {
	return d.createSoftware(s, "", nil, nil)
}

// CreateSoftwareWithKeys is CreateSoftware with the software's signing and transport keys given (a nil
// one is made as CreateSoftware makes it): key material that throwaway identities share, so that a run
// does not generate two RSA keys per identity. Each key must be of s.KeyType's kind (RSA or EC) and the
// two must differ; the certificates, subject and key sets are the software's own, as for any software.
func (d *Directory) CreateSoftwareWithKeys(s Software, signing, transport crypto.Signer) (Software, error) {
	return d.createSoftware(s, "", signing, transport)
}

func (d *Directory) createSoftware(s Software, prefix string, givenSigning, givenTransport crypto.Signer) (Software, error) {
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
	signing, err := d.newSoftwareKey(s.OrgID, s.ID, s.KeyType, "sig", givenSigning, nil)
	if err != nil {
		return Software{}, err
	}
	transport, err := d.newSoftwareKey(s.OrgID, s.ID, s.KeyType, "tls", givenTransport, func(kid string) bool { return kid == signing.KeyID })
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
// A key from Config.KeySource that the software already has (used reports it) is replaced by a fresh one;
// a given key (not nil) is used as it is, or refused when it does not suit keyType or is used already.
func (d *Directory) newSoftwareKey(orgID, softwareID, keyType, use string, given crypto.Signer, used func(kid string) bool) (joseutil.Key, error) {
	var signer crypto.Signer
	var err error
	if given != nil {
		if err := checkGivenKey(given, keyType, used); err != nil {
			return joseutil.Key{}, err
		}
		signer = given
	} else if d.keySource != nil {
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

// checkGivenKey refuses a key given to CreateSoftwareWithKeys that is not of keyType's kind, or that the
// software has already (used).
func checkGivenKey(k crypto.Signer, keyType string, used func(kid string) bool) error {
	_, isEC := k.Public().(*ecdsa.PublicKey)
	_, isRSA := k.Public().(*rsa.PublicKey)
	if keyType == KeyTypeEC && !isEC || keyType != KeyTypeEC && !isRSA {
		return fmt.Errorf("given key: a %T does not suit key type %s", k.Public(), keyType)
	}
	if used != nil {
		if kid, err := joseutil.Thumbprint(k.Public()); err != nil || used(kid) {
			return errors.New("given key: the software's signing and transport keys must differ")
		}
	}
	return nil
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

// SetSoftwareStatus changes a software's status (Active, Revoked, Withdrawn, Inactive). As the OB
// Directory does, a software that is not Active has all its keys in its revoked key sets (software and
// organisation) and none in its live ones; its SSAs, which carry no software status, are unchanged.
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
	d.rebuildOrgSets(e.rec.OrgID)
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
	fresh, err := d.newSoftwareKey(e.rec.OrgID, softwareID, e.rec.KeyType, rec.Use, nil, func(kid string) bool {
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
