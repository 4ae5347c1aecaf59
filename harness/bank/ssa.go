package bank

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// ssaInfo is what the bank takes from a valid software statement.
type ssaInfo struct {
	softwareID   string
	orgID        string
	jwksURI      string // software_jwks_endpoint (UK), jwks_uri (CDR)
	revokedURI   string // software_jwks_revoked_endpoint (UK): the software's revoked keys; "" for none
	orgJWKSURI   string // org_jwks_endpoint (UK): every key of the organisation's software; "" for none
	redirectURIs []string
	roles        []string
	scopes       []string // the SSA's scope (CDR)
	// stated are the client metadata the statement itself carries under their RFC 7591 names (CDR): a
	// request member of the same name yields to them (RFC 7591 section 3.1.1).
	stated map[string]any
}

// statedMetadataNames are the RFC 7591 metadata a CDR SSA states that the request may also carry.
// redirect_uris is left out: the request picks a subset of the SSA's (checkRedirectURIs).
var statedMetadataNames = []string{"client_name", "client_description", "client_uri", "logo_uri", "tos_uri", "policy_uri"}

var ssaAlgs = []jose.SignatureAlgorithm{jose.PS256, jose.ES256}

// verifySSA checks the software statement's signature against the directory's key set.
func (b *Bank) verifySSA(ctx context.Context, d *dialect, token string) (claims, *apiError) {
	header, payload, err := joseutil.Decode(token)
	if err != nil || payload == nil {
		return nil, badSSA("software_statement is not a signed JWT")
	}
	alg, _ := header["alg"].(string)
	switch {
	case b.has("skip-ssa-signature"):
		return payload, nil
	case alg == "none" && b.has("accept-ssa-alg-none"):
		return payload, nil
	case alg == "HS256" && b.has("accept-ssa-hs256"):
		return payload, nil
	case alg != "PS256" && alg != "ES256":
		return nil, badSSA("software_statement alg %q is not allowed: the directory signs with PS256 or ES256", alg)
	}
	kid, _ := header["kid"].(string)
	keySetURL := b.cfg.DirectoryJWKSURL
	if d.ssa == "cdr" {
		keySetURL = b.cfg.CDRJWKSURL // the register's key set
	}
	set, err := b.directoryKeySet(ctx, keySetURL, kid)
	if err != nil {
		b.logger.Warn("cannot fetch the directory key set", "error", err)
		return nil, newError(http.StatusInternalServerError, errServerError, "cannot fetch the directory key set")
	}
	verified, _, err := joseutil.Verify(token, set, ssaAlgs)
	if errors.Is(err, joseutil.ErrUnknownKey) && b.has("accept-ssa-software-key") {
		verified, err = b.verifyBySoftwareKey(ctx, token, payload)
	}
	switch {
	case errors.Is(err, joseutil.ErrUnknownKey) && b.has("accept-ssa-unknown-kid"):
		return payload, nil
	case errors.Is(err, joseutil.ErrUnknownKey):
		return nil, badSSA("software_statement kid %q is not in the directory key set", kid)
	case err != nil:
		return nil, badSSA("software_statement signature does not verify against the directory key set")
	}
	return verified, nil
}

// verifyBySoftwareKey verifies an SSA against the key set its own claims name (software_jwks_endpoint,
// or jwks_uri for CDR): the defect accept-ssa-software-key, which lets software vouch for itself.
func (b *Bank) verifyBySoftwareKey(ctx context.Context, token string, payload claims) (claims, error) {
	uri, _ := payload.str("software_jwks_endpoint")
	if uri == "" {
		uri, _ = payload.str("jwks_uri")
	}
	set, err := b.fetchKeySet(ctx, uri)
	if err != nil {
		return nil, err
	}
	verified, _, err := joseutil.Verify(token, set, ssaAlgs)
	return verified, err
}

// checkSSA checks the software statement's issuer, lifetime, required claims and organisation status.
// The OB Directory's SSA carries no software status: revoked software is known by its keys, which the
// directory moves to software_jwks_revoked_endpoint (see verifyRequestSignature).
func (b *Bank) checkSSA(d *dialect, ssa claims) (ssaInfo, *apiError) {
	now := b.now()
	issuer := b.cfg.DirectoryIssuer
	if d.ssa == "cdr" {
		issuer = b.cfg.CDRIssuer
	}
	if iss, _ := ssa.str("iss"); iss != issuer && !b.has("accept-ssa-wrong-issuer") {
		return ssaInfo{}, badSSA("software_statement iss %q is not the directory %q", iss, issuer)
	}
	if ssa.has("exp") {
		exp, err := ssa.time("exp")
		if err != nil {
			return ssaInfo{}, badSSA("software_statement %v", err)
		}
		if !exp.After(now) && !b.has("accept-expired-ssa") {
			return ssaInfo{}, badSSA("software_statement expired at %s", exp.UTC().Format(timeFormat))
		}
	}
	if ssa.has("iat") {
		iat, err := ssa.time("iat")
		if err != nil {
			return ssaInfo{}, badSSA("software_statement %v", err)
		}
		if iat.After(now.Add(clockSkew)) && !b.has("accept-future-ssa") {
			return ssaInfo{}, badSSA("software_statement iat is in the future")
		}
		// The OB Directory: ASPSPs "are required to implement pragmatic time ranges in which to accept an
		// SSA" (its examples: 1 minute, 30 minutes). The CDR register's SSAs expire after 10 minutes (exp).
		if d.ssa != "cdr" && now.Sub(iat) > maxSSAAge && !b.has("accept-stale-ssa") {
			return ssaInfo{}, badSSA("software_statement was issued at %s: older than the %s this bank accepts", iat.UTC().Format(timeFormat), maxSSAAge)
		}
	}
	read := readSSAInfo
	if d.ssa == "cdr" {
		read = readCDRSSAInfo
	}
	info, missing := read(ssa)
	if d.ssa == "cdr" {
		info.stated = map[string]any{}
		for _, name := range statedMetadataNames {
			if v, ok := ssa.str(name); ok && v != "" {
				info.stated[name] = v
			}
		}
	}
	if len(missing) > 0 && !b.has("accept-ssa-missing-claims") {
		return ssaInfo{}, badSSA("software_statement lacks required claims or has them malformed: %s", strings.Join(missing, ", "))
	}
	if status, present := ssa["org_status"]; present && status != "Active" && !b.has("accept-inactive-org") {
		return ssaInfo{}, b.unapproved("the organisation's status is %v, not Active", status)
	}
	return info, nil
}

// required reads the required claims of an SSA, noting each one absent or malformed.
type required struct {
	ssa     claims
	missing []string
}

// text is a non-empty string claim.
func (r *required) text(name string) string {
	s, ok := r.ssa.str(name)
	if !ok || s == "" {
		r.missing = append(r.missing, name)
	}
	return s
}

// list is a non-empty array of strings.
func (r *required) list(name string) []string {
	l, err := r.ssa.strings(name)
	if err != nil || len(l) == 0 {
		r.missing = append(r.missing, name)
		return nil
	}
	return l
}

// readSSAInfo takes the claims the bank needs, listing the required ones absent or malformed.
func readSSAInfo(ssa claims) (info ssaInfo, missing []string) {
	r := &required{ssa: ssa}
	info.softwareID = r.text("software_id")
	info.orgID = r.text("org_id")
	info.jwksURI = r.text("software_jwks_endpoint")
	info.revokedURI, _ = ssa.str("software_jwks_revoked_endpoint")
	info.orgJWKSURI, _ = ssa.str("org_jwks_endpoint")
	info.redirectURIs = r.list("software_redirect_uris")
	if roles, single := ssa["software_roles"].(string); single { // a single role, as some directories send it
		if info.roles = strings.Fields(roles); len(info.roles) == 0 {
			r.missing = append(r.missing, "software_roles")
		}
	} else {
		info.roles = r.list("software_roles")
	}
	if _, ok := ssa.str("org_status"); !ok {
		r.missing = append(r.missing, "org_status")
	}
	return info, r.missing
}

// readCDRSSAInfo takes the claims of a CDR register SSA (seed 001): redirect_uris, jwks_uri, scope and
// software_roles "data-recipient-software-product"; it carries no statuses.
func readCDRSSAInfo(ssa claims) (info ssaInfo, missing []string) {
	r := &required{ssa: ssa}
	info.softwareID = r.text("software_id")
	info.orgID = r.text("org_id")
	info.jwksURI = r.text("jwks_uri")
	info.redirectURIs = r.list("redirect_uris")
	if role := r.text("software_roles"); role != "" {
		if role != "data-recipient-software-product" {
			r.missing = append(r.missing, "software_roles")
		}
		info.roles = []string{role}
	}
	info.scopes = strings.Fields(r.text("scope"))
	return info, r.missing
}
