package hostile

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Modes of a target that registers clients, then turns what it was sent or what it hands out against
// the harness's outputs.
const (
	// EchoSecrets registers, and echoes every credential it receives or issues (the initial access token,
	// the Basic password and credentials, registration access tokens, client secrets, client assertions)
	// in error_description, as a JSON key and in ordinary headers: raw, upper case, URL-encoded, base64
	// and JSON-escaped.
	EchoSecrets Mode = "echo-secrets"
	// HugeClientID registers with a 1,000,000-byte client_id and no registration_client_uri, so that the
	// harness puts the client_id in the URLs of its management requests.
	HugeClientID Mode = "huge-client-id"
	// ControlIDs registers with terminal control bytes (ESC, BEL, CR, U+202E) in client_id and
	// client_secret, and never deletes a registration, so that the cleanup warning names them.
	ControlIDs Mode = "control-ids"
)

// HugeClientIDLen is the length of HugeClientID's client_id.
const HugeClientIDLen = 1_000_000

// ControlClientIDPrefix starts every client_id of ControlIDs: a screen clear, a window title set with
// BEL, a carriage return and a forged tally, and a right-to-left override.
const ControlClientIDPrefix = "ctl-\x1b[2J\x1b]0;pwned\x07\rdcrconform: 97 specs selected: 97 passed\u202eevil-"

func (m Mode) registers() bool { return m == EchoSecrets || m == HugeClientID || m == ControlIDs }

// registrar is the state of a registering mode: what it issued and what it received.
type registrar struct {
	mu       sync.Mutex
	issued   []string          // registration access tokens, client secrets and access tokens it handed out
	received []string          // credentials it was sent
	clients  map[string]string // client_id -> registration access token
}

// Issued lists the secrets the target handed out (registration access tokens, client secrets, access
// tokens): none of them may appear in any output.
func (s *Server) Issued() []string {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	return append([]string(nil), s.reg.issued...)
}

// Received lists the credentials the target was sent and echoed.
func (s *Server) Received() []string {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	return append([]string(nil), s.reg.received...)
}

// secretToken is a token with the characters that URL-encoding, base64 and JSON escaping change.
func secretToken(kind string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Hostile" + kind + "/" + hex.EncodeToString(b) + "+x="
}

func (s *Server) serveRegistrar(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	creds := s.credentialsOf(r, body)
	if s.Mode == EchoSecrets {
		echoHeaders(w.Header(), creds)
	}
	w.Header().Set("Content-Type", "application/json")
	path := r.URL.EscapedPath()
	switch {
	case path == "/token":
		tok := secretToken("AccessToken")
		s.note(tok)
		answer(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 300}, creds, s.Mode)
	case r.Method == http.MethodPost && path == "/register":
		s.register(w, body, creds)
	case strings.HasPrefix(path, "/register/"):
		id, _ := url.PathUnescape(strings.TrimPrefix(path, "/register/"))
		s.manage(w, r, id, body, creds)
	default:
		answer(w, http.StatusNotFound, map[string]any{"error": "not_found"}, creds, s.Mode)
	}
}

func (s *Server) register(w http.ResponseWriter, body []byte, creds []string) {
	id := "client-" + secretToken("")[7:19]
	switch s.Mode {
	case HugeClientID:
		id = strings.Repeat("c", HugeClientIDLen-len(id)) + id
	case ControlIDs:
		id = ControlClientIDPrefix + id
	}
	rat, secret := secretToken("RAT"), secretToken("ClientSecret")
	s.note(rat, secret)
	s.reg.mu.Lock()
	if s.reg.clients == nil {
		s.reg.clients = map[string]string{}
	}
	s.reg.clients[id] = rat
	s.reg.mu.Unlock()
	answer(w, http.StatusCreated, s.metadata(id, rat, secret, body), creds, s.Mode)
}

// manage answers a read, update or delete of a registration: the registration (ControlIDs refuses to
// delete it), or 401 naming the token it was sent.
func (s *Server) manage(w http.ResponseWriter, r *http.Request, id string, body []byte, creds []string) {
	s.reg.mu.Lock()
	rat, ok := s.reg.clients[id]
	s.reg.mu.Unlock()
	switch {
	case !ok:
		answer(w, http.StatusUnauthorized, map[string]any{"error": "invalid_token"}, creds, s.Mode)
	case r.Method == http.MethodDelete && s.Mode == ControlIDs:
		answer(w, http.StatusInternalServerError, map[string]any{"error": "server_error"}, creds, s.Mode)
	case r.Method == http.MethodDelete:
		s.reg.mu.Lock()
		delete(s.reg.clients, id)
		s.reg.mu.Unlock()
		if s.Mode == EchoSecrets {
			answer(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"}, creds, s.Mode)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		secret := secretToken("ClientSecret")
		s.note(secret)
		answer(w, http.StatusOK, s.metadata(id, rat, secret, body), creds, s.Mode)
	}
}

// metadata is a registration's answer: what the request asked for, with the target's identifiers.
func (s *Server) metadata(id, rat, secret string, body []byte) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal(body, &m); err != nil && len(body) > 0 {
		if parts := strings.Split(string(body), "."); len(parts) == 3 { // a signed registration request
			if payload, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
				_ = json.Unmarshal(payload, &m)
			}
		}
	}
	for _, k := range []string{"iss", "aud", "iat", "exp", "jti", "software_statement"} {
		delete(m, k)
	}
	m["client_id"], m["client_secret"], m["registration_access_token"] = id, secret, rat
	if s.Mode != HugeClientID { // without one, the harness puts the client_id in its request URLs
		m["registration_client_uri"] = s.URL + "/register/" + url.PathEscape(id)
	}
	m["client_id_issued_at"], m["client_secret_expires_at"] = 1700000000, 0
	return m
}

func (s *Server) note(secrets ...string) {
	s.reg.mu.Lock()
	s.reg.issued = append(s.reg.issued, secrets...)
	s.reg.mu.Unlock()
}

// credentialsOf are the credentials a request carries: its Authorization (the token, or the Basic
// password and the base64 credentials), and client_secret and client_assertion of a form body.
func (s *Server) credentialsOf(r *http.Request, body []byte) []string {
	var out []string
	if _, pass, ok := r.BasicAuth(); ok {
		out = append(out, pass, strings.TrimSpace(r.Header.Get("Authorization")[len("Basic "):]))
	} else if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && scheme != "" {
		out = append(out, strings.TrimSpace(tok))
	}
	if form, err := url.ParseQuery(string(body)); err == nil {
		for _, k := range []string{"client_secret", "client_assertion"} {
			if v := form.Get(k); v != "" {
				out = append(out, v)
			}
		}
	}
	if len(out) > 0 {
		s.reg.mu.Lock()
		s.reg.received = append(s.reg.received, out...)
		s.reg.mu.Unlock()
	}
	return out
}

// echoForms are the shapes EchoSecrets echoes a credential in.
func echoForms(c string) map[string]string {
	j, _ := json.Marshal(c)
	return map[string]string{
		"raw":    c,
		"upper":  strings.ToUpper(c),
		"url":    url.QueryEscape(c),
		"base64": base64.StdEncoding.EncodeToString([]byte(c)),
		"json":   strings.ReplaceAll(string(j[1:len(j)-1]), "/", `\/`),
	}
}

func echoHeaders(h http.Header, creds []string) {
	for _, c := range creds {
		for name, f := range echoForms(c) {
			h.Add("X-Echo-"+name, f)
		}
		h.Add("Link", "<https://bank.example/?t="+url.QueryEscape(c)+">; rel=next")
	}
}

// answer writes v as JSON with status; EchoSecrets adds every credential received, in each form, to
// error_description, as a member name, and JSON-escaped in a member the client would show.
func answer(w http.ResponseWriter, status int, v map[string]any, creds []string, mode Mode) {
	if mode == EchoSecrets && len(creds) > 0 {
		var desc []string
		for _, c := range creds {
			for name, f := range echoForms(c) {
				desc = append(desc, name+" "+f)
				v["echo_"+name+"_"+f] = true
			}
			v[c] = "your credential"
		}
		v["error_description"] = "you sent: " + strings.Join(desc, "; ")
		v["error"] = "invalid_request"
	}
	b, _ := json.Marshal(v)
	if mode == EchoSecrets && len(creds) > 0 && len(b) > 2 { // JSON-escaped as PHP writes it: \/
		var raw []string
		for _, c := range creds {
			raw = append(raw, strings.ReplaceAll(c, "/", `\/`))
		}
		b = append(b[:len(b)-1], `,"echo_escaped":"`+strings.Join(raw, " ")+`"}`...)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
