package bank

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// registration is what a valid registration (POST or PUT) request asks for.
type registration struct {
	profile      string // the dialect it was registered under
	softwareID   string
	orgID        string   // the SSA's org_id
	jwksURI      string   // the SSA's software_jwks_endpoint
	jwks         []byte   // a plain RFC 7591 private_key_jwt client's own jwks member (JSON), for its assertions
	authMethod   string   // token_endpoint_auth_method
	signingAlg   string   // token_endpoint_auth_signing_alg, for private_key_jwt
	subjectDN    string   // tls_client_auth_subject_dn, for tls_client_auth
	ignoreDN     bool     // the defect ignore-tls-subject-dn: the token endpoint takes any certificate of the software
	grantTypes   []string // registered grant_types (defaulted)
	scopes       []string // scopes a token may carry
	metadata     map[string]any
	requestIss   string // iss and jti of the request, for replay detection
	requestJTI   string
	requestUntil time.Time // when the jti may be forgotten
}

// client is a registered client. A deleted client stays as a tombstone so that a defect can still
// find it; a correct bank never serves it.
type client struct {
	id       string
	issuedAt int64
	reg      registration
	deleted  bool
	secret   string // client_secret, when one was issued
	regToken string // RFC 7592 registration access token, for profiles that manage by it
	// oldRegTokens are rotated-out tokens that still serve (the defect rfc7592-keep-old-registration-token).
	oldRegTokens []string
}

// credentials are what a registration or update issues besides the client_id.
type credentials struct {
	id       string // the client_id to issue ("" for a random one)
	secret   string
	regToken string
	// keepOld, the defect rfc7592-keep-old-registration-token: a rotated-out token still serves.
	keepOld bool
}

// response is the client's metadata as answered on POST, GET and PUT.
func (c *client) response() map[string]any {
	out := maps.Clone(c.reg.metadata)
	out["client_id"] = c.id
	out["client_id_issued_at"] = c.issuedAt
	return out
}

// accessToken is an opaque client_credentials token, bound to a certificate thumbprint.
type accessToken struct {
	clientID   string
	thumbprint string // x5t#S256 of the certificate it was issued over; empty if unbound
	parkedFor  string // the defect tokens-revive-on-reregister: the software whose next client gets it
	scope      string
	expiresAt  time.Time
}

// store is the bank's in-memory state. All access goes through its methods, under mu.
type store struct {
	mu      sync.Mutex
	clients map[string]*client
	tokens  map[string]*accessToken
	seen    map[string]time.Time // used jtis ("kind|issuer|jti") until they expire
	issued  []string             // every access token ever issued, for redaction tests
}

func newStore() *store {
	return &store{clients: map[string]*client{}, tokens: map[string]*accessToken{}, seen: map[string]time.Time{}}
}

// commitRules says which of the commit-time checks apply.
type commitRules struct {
	checkReplay    bool
	checkDuplicate bool
	duplicateCode  string // the error code of a duplicate registration; "" for invalid_client_metadata
	// overwriteDuplicate (the defect cdr-duplicate-post-updates) writes a duplicate's registration over
	// the live client's before refusing it.
	overwriteDuplicate bool
}

// register stores a new client unless its request jti was used already or its software already has
// a live client (as rules say).
func (s *store) register(reg registration, now time.Time, rules commitRules, creds credentials) (*client, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.checkLocked(reg, "", now, rules); e != nil {
		return nil, e
	}
	id := creds.id
	if id == "" {
		id = randomID()
	}
	c := &client{id: id, issuedAt: now.Unix(), reg: reg, secret: creds.secret, regToken: creds.regToken}
	s.clients[c.id] = c
	for _, tok := range s.tokens { // only the defect tokens-revive-on-reregister parks tokens
		if tok.parkedFor != "" && tok.parkedFor == reg.softwareID {
			tok.clientID, tok.parkedFor = c.id, ""
		}
	}
	return c, nil
}

// update replaces a live client's registration under the same rules as register, the client's own
// registration not counting as a duplicate; non-empty creds replace the client's. racy, the defect
// put-check-then-write, is the client as read before the update's window: it is written back, deleted
// since or not.
func (s *store) update(id string, reg registration, now time.Time, rules commitRules, creds credentials, racy *client) (*client, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if (!ok || c.deleted) && racy == nil {
		return nil, badToken("the client does not exist")
	}
	if e := s.checkLocked(reg, id, now, rules); e != nil {
		return nil, e
	}
	if racy != nil { // put-check-then-write: the client read before the window, written back whatever happened since
		c = racy
	}
	updated := *c
	updated.reg = reg
	if creds.secret != "" {
		updated.secret = creds.secret
	}
	if creds.regToken != "" {
		if creds.keepOld && c.regToken != "" {
			updated.oldRegTokens = append(slices.Clone(c.oldRegTokens), c.regToken)
		}
		updated.regToken = creds.regToken
	}
	s.clients[id] = &updated
	return &updated, nil
}

func (s *store) checkLocked(reg registration, self string, now time.Time, rules commitRules) *apiError {
	if e := s.violationLocked(reg, self, now, rules); e != nil {
		return e
	}
	s.rememberLocked(reg)
	return nil
}

// checkThenRegister is register done the racy way (the defect register-check-then-insert): the replay
// and duplicate checks, then a window (wait) in which another request passes the same checks, then
// the insert, as code does that reads before it writes with neither a lock nor a unique constraint.
func (s *store) checkThenRegister(reg registration, now time.Time, rules commitRules, creds credentials, wait func()) (*client, *apiError) {
	s.mu.Lock()
	e := s.violationLocked(reg, "", now, rules)
	s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	wait()
	return s.register(reg, now, commitRules{}, creds)
}

// registerCountedID is register with the client_id the way a racy counter hands it out (the defect
// register-client-id-race): the next number read, then a window (wait), then the checks and the client
// stored under it; registrations at once read the same number, and the later overwrites the earlier.
func (s *store) registerCountedID(reg registration, now time.Time, rules commitRules, creds credentials, wait func()) (*client, *apiError) {
	s.mu.Lock()
	id := fmt.Sprintf("client-%d", len(s.clients)+1)
	s.mu.Unlock()
	wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.checkLocked(reg, "", now, rules); e != nil {
		return nil, e
	}
	c := &client{id: id, issuedAt: now.Unix(), reg: reg, secret: creds.secret, regToken: creds.regToken}
	s.clients[id] = c
	return c, nil
}

// violationLocked is the replay or duplicate rule reg breaks, if any.
func (s *store) violationLocked(reg registration, self string, now time.Time, rules commitRules) *apiError {
	if rules.checkReplay && reg.requestJTI != "" {
		key := "request|" + reg.requestIss + "|" + reg.requestJTI
		if s.seenLocked(key, now) {
			return badMetadata("the request jti has been used before")
		}
	}
	if rules.checkDuplicate {
		for id, c := range s.clients {
			if id != self && !c.deleted && reg.softwareID != "" && c.reg.softwareID == reg.softwareID {
				if rules.overwriteDuplicate {
					updated := *c
					updated.reg = reg
					s.clients[id] = &updated
				}
				e := badMetadata("software %q is already registered as another client", reg.softwareID)
				if rules.duplicateCode != "" {
					e.code = rules.duplicateCode
				}
				return e
			}
		}
	}
	return nil
}

// rememberLocked records reg's request jti as used.
func (s *store) rememberLocked(reg registration) {
	if reg.requestJTI != "" {
		s.seen["request|"+reg.requestIss+"|"+reg.requestJTI] = reg.requestUntil
	}
}

// seenJTI reports whether a jti is in use, without recording it: the first step of the defect
// token-jti-check-then-use.
func (s *store) seenJTI(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seenLocked(key, now)
}

// useJTI records a jti of the given kind and issuer until expiry, and reports whether it was
// already in use.
func (s *store) useJTI(key string, until, now time.Time) (replayed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	replayed = s.seenLocked(key, now)
	s.seen[key] = until
	return replayed
}

func (s *store) seenLocked(key string, now time.Time) bool {
	for k, until := range s.seen {
		if !until.After(now) {
			delete(s.seen, k)
		}
	}
	_, ok := s.seen[key]
	return ok
}

// client returns a client by id, tombstones included.
func (s *store) client(id string) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[id]
	if c == nil {
		return nil
	}
	cp := *c
	return &cp
}

// holdsOldRegToken reports whether token is one the client was rotated out of and still honours (the
// defect rfc7592-keep-old-registration-token keeps them; a correct bank keeps none).
func (c *client) holdsOldRegToken(token string) bool {
	return slices.ContainsFunc(c.oldRegTokens, func(old string) bool { return equalSecret(old, token) })
}

// clientByRegToken returns the live client holding a registration access token, or nil.
func (s *store) clientByRegToken(token string) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		if !c.deleted && c.regToken != "" && equalSecret(c.regToken, token) {
			cp := *c
			return &cp
		}
	}
	return nil
}

// earlierSSA returns the software statement of any client (live or deleted) of a software, or "".
func (s *store) earlierSSA(softwareID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		if ssa, _ := c.reg.metadata["software_statement"].(string); c.reg.softwareID == softwareID && ssa != "" {
			return ssa
		}
	}
	return ""
}

// delete turns a live client into a tombstone, revoking its tokens if asked to.
func (s *store) delete(id string, revokeTokens bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || c.deleted {
		return false
	}
	gone := *c
	gone.deleted = true
	s.clients[id] = &gone
	if revokeTokens {
		for t, tok := range s.tokens {
			if tok.clientID == id {
				delete(s.tokens, t)
			}
		}
	}
	return true
}

// issueToken stores a token for a client that is still live at this moment (a DELETE served since the
// client authenticated leaves it none), and returns it; "" when the client is gone. The defect
// token-check-then-issue skips that check (checkLive false).
func (s *store) issueToken(tok accessToken, checkLive bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[tok.clientID]; checkLive && (c == nil || c.deleted) {
		return ""
	}
	value := randomID() + randomID()
	s.tokens[value] = &tok
	s.issued = append(s.issued, value)
	return value
}

func (s *store) token(value string) (accessToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens[value]
	if !ok {
		return accessToken{}, false
	}
	return *tok, true
}

// parkTokens is the defect tokens-revive-on-reregister: the client's tokens belong to no client until
// the software registers again.
func (s *store) parkTokens(clientID, softwareID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range s.tokens {
		if tok.clientID == clientID {
			tok.clientID, tok.parkedFor = "", softwareID
		}
	}
}

// revokeClientTokens revokes every access token of the client.
func (s *store) revokeClientTokens(clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, tok := range s.tokens {
		if tok.clientID == clientID {
			delete(s.tokens, t)
		}
	}
}

func (s *store) revokeToken(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, value)
}

// expireTokens makes every token of the client expired as of now.
func (s *store) expireTokens(clientID string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range s.tokens {
		if tok.clientID == clientID {
			tok.expiresAt = now.Add(-time.Second)
		}
	}
}

// randomSecret is a client_secret: 192 random bits, base64url (32 characters: UK DCR allows 36).
func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomID is 128 random bits, base64url.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b)
}

// IssuedTokens returns every access token the bank has issued, revoked or not, so that a test can
// prove none of them reached a report or a log.
func (b *Bank) IssuedTokens() []string {
	b.store.mu.Lock()
	defer b.store.mu.Unlock()
	return append([]string(nil), b.store.issued...)
}

// rotateRegToken gives a live client a new registration access token and returns it; "" when the
// client is gone.
func (s *store) rotateRegToken(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || c.deleted {
		return ""
	}
	updated := *c
	updated.regToken = randomID() + randomID()
	s.clients[id] = &updated
	return updated.regToken
}

// LiveClients lists the client_ids of the registrations that exist (registered, not deleted), for
// tests that prove a run leaves none behind.
func (b *Bank) LiveClients() []string {
	b.store.mu.Lock()
	defer b.store.mu.Unlock()
	var out []string
	for id, c := range b.store.clients {
		if !c.deleted {
			out = append(out, id)
		}
	}
	return out
}
