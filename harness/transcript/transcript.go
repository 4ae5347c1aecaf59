// Package transcript records the HTTP exchanges of a spec, with every secret masked at the moment it is
// recorded, so that no report or log built from a transcript can leak one.
package transcript

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// Exchange is one HTTP request and its response (or the error that stopped it).
type Exchange struct {
	Started         time.Time           `json:"started"`
	Method          string              `json:"method"`
	URL             string              `json:"url"`
	RequestHeaders  map[string][]string `json:"request_headers,omitempty"`
	RequestBody     string              `json:"request_body,omitempty"`
	ClientCert      string              `json:"client_certificate,omitempty"` // subject of the certificate presented, if any
	Status          int                 `json:"status,omitempty"`
	ResponseHeaders map[string][]string `json:"response_headers,omitempty"`
	ResponseBody    string              `json:"response_body,omitempty"`
	Truncated       bool                `json:"response_truncated,omitempty"`
	DurationMS      float64             `json:"duration_ms"`
	Error           string              `json:"error,omitempty"`
	JWTs            []DecodedJWT        `json:"jwts,omitempty"`
}

// DecodedJWT is a JWT seen in an exchange, decoded for the reader. Signatures are never kept.
type DecodedJWT struct {
	Role   string         `json:"role"` // request, software_statement, client_assertion, ...
	Header map[string]any `json:"header"`
	Claims map[string]any `json:"claims"`
}

// Recorder collects the exchanges of one spec. It is safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	exchanges []Exchange
}

// Limits on what a transcript keeps, so that an oversized exchange does not swell every report.
const (
	maxRecordedBody  = 64 << 10
	maxRecordedClaim = 4 << 10
)

// Add records ex after masking its secrets and trimming oversized bodies and claims.
func (r *Recorder) Add(ex Exchange) {
	Redact(&ex)
	ex.RequestBody = clip(ex.RequestBody, maxRecordedBody)
	ex.ResponseBody = clip(ex.ResponseBody, maxRecordedBody)
	for _, j := range ex.JWTs {
		for k, v := range j.Claims {
			if s, ok := v.(string); ok {
				j.Claims[k] = clip(s, maxRecordedClaim)
			}
		}
	}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
}

// Exchanges returns a copy of what was recorded.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// Last returns the most recent exchange, if any.
func (r *Recorder) Last() (Exchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exchanges) == 0 {
		return Exchange{}, false
	}
	return r.exchanges[len(r.exchanges)-1], true
}

// clip keeps the first n bytes of s and says how many were dropped.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…[" + strconv.Itoa(len(s)-n) + " more bytes not recorded]"
}

// Mask replaces a secret value, keeping only its length.
func Mask(secret string) string {
	if secret == "" || maskedPattern.MatchString(secret) {
		return secret
	}
	return "REDACTED_" + strconv.Itoa(len(secret)) + "_chars"
}

var maskedPattern = regexp.MustCompile(`^REDACTED_[0-9]+_chars$`)

// secretFields are JSON members and form fields whose values are credentials.
var secretFields = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "registration_access_token": true,
	"client_secret": true, "client_assertion": true, "password": true, "d": true, "p": true, "q": true,
	"dp": true, "dq": true, "qi": true, "k": true, "private_key": true,
}

// secretHeaders are headers whose values are credentials.
var secretHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true}

// Redact masks secrets in headers and in JSON, form and JWT bodies. JWTs are decoded into JWTs
// (signatures dropped) before any masking, so the reader still sees their claims.
func Redact(ex *Exchange) {
	ex.RequestHeaders = redactHeaders(ex.RequestHeaders)
	ex.ResponseHeaders = redactHeaders(ex.ResponseHeaders)
	ex.RequestBody = redactBody(ex.RequestBody, "request", &ex.JWTs)
	ex.ResponseBody = redactBody(ex.ResponseBody, "response", &ex.JWTs)
	ex.URL = redactQuery(ex.URL)
}

func redactHeaders(h map[string][]string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		if !secretHeaders[ck] {
			out[ck] = append([]string(nil), vs...)
			continue
		}
		for _, v := range vs {
			scheme, cred, found := strings.Cut(v, " ")
			if found && !strings.Contains(scheme, "=") {
				out[ck] = append(out[ck], scheme+" "+Mask(cred))
			} else {
				out[ck] = append(out[ck], Mask(v))
			}
		}
	}
	return out
}

func redactBody(body, side string, jwts *[]DecodedJWT) string {
	trimmed := strings.TrimSpace(body)
	if trimmed == "" {
		return body
	}
	if isJWT(trimmed) {
		decodeInto(trimmed, side, jwts)
		return jwtWithoutSignature(trimmed)
	}
	if strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
		var v any
		if err := json.Unmarshal([]byte(trimmed), &v); err == nil {
			v = redactJSON(v, jwts)
			if b, err := json.Marshal(v); err == nil {
				return string(b)
			}
		}
		return redactText(body)
	}
	if vals, err := url.ParseQuery(trimmed); err == nil && strings.Contains(trimmed, "=") {
		changed := false
		for k, vs := range vals {
			for i, v := range vs {
				if isJWT(v) {
					decodeInto(v, k, jwts)
				}
				if secretFields[k] {
					vs[i] = Mask(v)
					changed = true
				}
			}
		}
		if changed {
			return vals.Encode()
		}
	}
	return redactText(body)
}

// Shapes of secrets in text that did not parse as JSON or a form (truncated, malformed, HTML):
// "name": "value" and name=value for the secret fields, bearer credentials, and JWT signatures.
var (
	secretJSONMember = regexp.MustCompile(`("(?:` + secretFieldPattern() + `)"\s*:\s*")([^"]*)`)
	secretFormField  = regexp.MustCompile(`((?:^|[&?;\s])(?:` + secretFieldPattern() + `)=)([^&;\s]*)`)
	bearerCredential = regexp.MustCompile(`((?i:bearer|basic) )([A-Za-z0-9._~+/=-]{8,})`)
	signedJWT        = regexp.MustCompile(`(eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.)[A-Za-z0-9_-]+`)
)

func secretFieldPattern() string {
	names := make([]string, 0, len(secretFields))
	for k := range secretFields {
		names = append(names, regexp.QuoteMeta(k))
	}
	sort.Strings(names)
	return strings.Join(names, "|")
}

// redactText masks secrets in free text by shape.
func redactText(s string) string {
	mask := func(re *regexp.Regexp, s string) string {
		return re.ReplaceAllStringFunc(s, func(m string) string {
			sub := re.FindStringSubmatch(m)
			return sub[1] + Mask(sub[2])
		})
	}
	s = mask(secretJSONMember, s)
	s = mask(secretFormField, s)
	s = mask(bearerCredential, s)
	return signedJWT.ReplaceAllString(s, "${1}[signature removed]")
}

func redactJSON(v any, jwts *[]DecodedJWT) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok {
				if isJWT(s) {
					decodeInto(s, k, jwts)
					if !secretFields[k] {
						t[k] = jwtWithoutSignature(s)
					}
				}
				if secretFields[k] {
					t[k] = Mask(s)
				}
				continue
			}
			t[k] = redactJSON(val, jwts)
		}
	case []any:
		for i := range t {
			t[i] = redactJSON(t[i], jwts)
		}
	}
	return v
}

func redactQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	for k, vs := range q {
		if secretFields[k] {
			for i := range vs {
				vs[i] = Mask(vs[i])
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func decodeInto(token, role string, jwts *[]DecodedJWT) {
	h, c, err := joseutil.Decode(token)
	if err != nil {
		return
	}
	for k, v := range c {
		if s, ok := v.(string); ok && isJWT(s) {
			decodeInto(s, k, jwts)
			c[k] = jwtWithoutSignature(s)
		}
	}
	*jwts = append(*jwts, DecodedJWT{Role: role, Header: h, Claims: c})
}

// jwtWithoutSignature keeps header and payload (no secret in them) and drops the signature,
// which would let a reader replay a bearer JWT.
func jwtWithoutSignature(token string) string {
	i := strings.LastIndexByte(token, '.')
	return token[:i+1] + "[signature removed]"
}

func isJWT(s string) bool {
	if len(s) < 10 || strings.Count(s, ".") != 2 || !strings.HasPrefix(s, "eyJ") {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
