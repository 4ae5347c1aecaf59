package mockdirectory

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/pem"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// adminAuth requires "Authorization: Bearer <AdminToken>"; with no token configured every call is 401.
// The CDR register's SSA endpoint goes through it too.
func (d *Directory) adminAuth(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(d.adminToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.adminToken == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dcrconform-directory"`)
			writeError(w, http.StatusUnauthorized, "admin API disabled: the directory has no admin token", "Authorization")
			return
		}
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dcrconform-directory"`)
			writeError(w, http.StatusUnauthorized, "Authorization: a bearer token is required for the admin API", "Authorization")
			return
		}
		got := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			if run, ok := d.runForToken(strings.TrimSpace(token)); ok {
				next.ServeHTTP(w, withRunScope(r, run))
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="dcrconform-directory", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "Authorization: invalid bearer token for the admin API", "Authorization")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (d *Directory) adminListOrgs(w http.ResponseWriter, r *http.Request) {
	orgs := d.Organisations()
	if run := runScope(r); run != "" {
		orgs = slices.DeleteFunc(orgs, func(o Organisation) bool { return o.Run != run })
	}
	writeJSON(w, http.StatusOK, map[string]any{"organisations": orgs})
}

func (d *Directory) adminCreateOrg(w http.ResponseWriter, r *http.Request) {
	var o Organisation
	if err := decodeBody(w, r, &o, false); err != nil {
		d.fail(w, r, err)
		return
	}
	if run := runScope(r); run != "" {
		if o.Run != "" && o.Run != run {
			d.fail(w, r, invalid("run", "no open run %q", o.Run))
			return
		}
		o.Run = run
	}
	o, err := d.CreateOrganisation(o)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/admin/organisations/"+o.ID)
	writeJSON(w, http.StatusCreated, o)
}

func (d *Directory) adminGetOrg(w http.ResponseWriter, r *http.Request) {
	o, err := d.Organisation(r.PathValue("id"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

type statusBody struct {
	Status *string `json:"status"`
}

func decodeStatus(w http.ResponseWriter, r *http.Request) (string, error) {
	var b statusBody
	if err := decodeBody(w, r, &b, false); err != nil {
		return "", err
	}
	if b.Status == nil {
		return "", invalid("status", "is required")
	}
	if err := validateStatus("status", *b.Status); err != nil {
		return "", err
	}
	return *b.Status, nil
}

func (d *Directory) adminOrgStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := d.Organisation(id); err != nil {
		d.fail(w, r, err)
		return
	}
	status, err := decodeStatus(w, r)
	if err == nil {
		err = d.SetOrganisationStatus(id, status)
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.adminGetOrg(w, r)
}

func (d *Directory) adminListSoftware(w http.ResponseWriter, r *http.Request) {
	orgID := r.PathValue("id")
	if orgID == "" {
		orgID = r.URL.Query().Get("org_id")
		if orgID != "" && !idPattern.MatchString(orgID) {
			writeError(w, http.StatusBadRequest, "org_id: "+idRule, "org_id")
			return
		}
	}
	run := runScope(r)
	if run != "" && orgID != "" && !d.orgInRun(orgID, run) {
		d.fail(w, r, notFound("organisation", orgID))
		return
	}
	sws, err := d.SoftwareList(orgID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if run != "" {
		sws = slices.DeleteFunc(sws, func(s Software) bool { return !d.orgInRun(s.OrgID, run) })
	}
	writeJSON(w, http.StatusOK, map[string]any{"software": sws})
}

func (d *Directory) adminCreateSoftware(w http.ResponseWriter, r *http.Request) {
	orgID := r.PathValue("id")
	if orgID != "" {
		if _, err := d.Organisation(orgID); err != nil {
			d.fail(w, r, err)
			return
		}
	}
	var s Software
	if err := decodeBody(w, r, &s, false); err != nil {
		d.fail(w, r, err)
		return
	}
	if orgID != "" {
		if s.OrgID != "" && s.OrgID != orgID {
			d.fail(w, r, invalid("org_id", "must be empty or %q, the organisation of the path", orgID))
			return
		}
		s.OrgID = orgID
	}
	if run := runScope(r); run != "" && s.OrgID != "" && !d.orgInRun(s.OrgID, run) {
		d.fail(w, r, invalid("org_id", "unknown organisation %q", s.OrgID))
		return
	}
	s, err := d.CreateSoftware(s)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/admin/software/"+s.ID)
	writeJSON(w, http.StatusCreated, s)
}

func (d *Directory) adminGetSoftware(w http.ResponseWriter, r *http.Request) {
	s, err := d.Software(r.PathValue("id"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (d *Directory) adminSoftwareStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := d.Software(id); err != nil {
		d.fail(w, r, err)
		return
	}
	status, err := decodeStatus(w, r)
	if err == nil {
		err = d.SetSoftwareStatus(id, status)
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.adminGetSoftware(w, r)
}

func (d *Directory) adminSoftwareKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := d.SoftwareKeys(r.PathValue("id"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (d *Directory) adminRevokeKey(w http.ResponseWriter, r *http.Request) {
	if err := d.RevokeSoftwareKey(r.PathValue("id"), r.PathValue("kid")); err != nil {
		d.fail(w, r, err)
		return
	}
	d.adminSoftwareKeys(w, r)
}

func (d *Directory) adminIssueSSA(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := d.Software(id); err != nil {
		d.fail(w, r, err)
		return
	}
	var opts SSAOptions
	if err := decodeBody(w, r, &opts, true); err != nil {
		d.fail(w, r, err)
		return
	}
	ssa, err := d.IssueSSA(id, opts)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	_, _ = io.WriteString(w, ssa)
}

// adminPEM serves a software's certificate chains and private keys as PEM (admin only).
func (d *Directory) adminPEM(file string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := d.Credentials(r.PathValue("id"))
		if err != nil {
			d.fail(w, r, err)
			return
		}
		var body []byte
		switch file {
		case "transport.pem":
			for _, der := range c.Transport.Certificate {
				body = append(body, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
			}
		case "signing.pem":
			body = chainPEM(c.SigningKey.Certs)
		case "transport-key.pem":
			body, err = pki.KeyPEM(c.Transport.PrivateKey.(crypto.Signer))
		case "signing-key.pem":
			body, err = pki.KeyPEM(c.SigningKey.Signer)
		}
		if err != nil {
			d.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Content-Disposition", `attachment; filename="`+c.SoftwareID+"-"+file+`"`)
		_, _ = w.Write(body)
	}
}

func (d *Directory) adminListKeys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"keys": d.SigningKeys()})
}

func (d *Directory) adminRotateKey(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Alg string `json:"alg"`
	}
	if err := decodeBody(w, r, &body, true); err != nil {
		d.fail(w, r, err)
		return
	}
	kid, err := d.RotateSigningKey(body.Alg)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"kid": kid, "keys": d.SigningKeys()})
}

func (d *Directory) adminRetireKey(w http.ResponseWriter, r *http.Request) {
	if err := d.RetireSigningKey(r.PathValue("kid")); err != nil {
		d.fail(w, r, err)
		return
	}
	d.adminListKeys(w, r)
}
