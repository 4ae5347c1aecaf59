// Package transcript records the HTTP exchanges of a spec, with every secret masked at the moment it is
// recorded, so that no report or log built from a transcript can leak one.
package transcript

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	// Bytes of headers (name and value) not recorded, beyond the recording limit.
	RequestHeadersDropped  int          `json:"request_headers_dropped,omitempty"`
	ResponseHeadersDropped int          `json:"response_headers_dropped,omitempty"`
	Truncated              bool         `json:"response_truncated,omitempty"`
	DurationMS             float64      `json:"duration_ms"`
	Error                  string       `json:"error,omitempty"`
	JWTs                   []DecodedJWT `json:"jwts,omitempty"`
	// Batch numbers (from 1) the group of requests a concurrent spec released at once; Ended is when
	// the answer was complete, recorded for those requests so that a report shows their overlap.
	Batch int       `json:"batch,omitempty"`
	Ended time.Time `json:"ended,omitzero"`
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
	MaxRecordedBody        = 64 << 10 // of each body
	maxRecordedClaim       = 4 << 10
	maxRecordedHeaders     = 16 << 10 // all of one side's headers
	maxRecordedHeaderValue = 4 << 10
	// MaxRecordedText caps a URL, an error and any other bank string put in a message or a report.
	MaxRecordedText = 4 << 10
)

// maxRecordedRun is how many bytes of bodies the recorders of a process keep at MaxRecordedBody each;
// past it, bodies are cut at MaxRecordedText, so that a bank answering megabytes to every request does
// not hold a run's memory in transcripts (a run against a working bank records a few megabytes).
const maxRecordedRun = 16 << 20

var recordedRun atomic.Int64

// Add records ex after trimming oversized bodies, headers and claims and masking its secrets, and
// returns the record.
func (r *Recorder) Add(ex Exchange) Exchange {
	limit := MaxRecordedBody
	if recordedRun.Load() > maxRecordedRun {
		limit = MaxRecordedText
	}
	reqBody, reqMore := cut(ex.RequestBody, limit)
	respBody, respMore := cut(ex.ResponseBody, limit)
	recordedRun.Add(int64(len(reqBody) + len(respBody)))
	ex.RequestBody, ex.ResponseBody = reqBody, respBody
	ex.URL = clip(ex.URL, MaxRecordedText)
	ex.Error = ClipText(ex.Error, MaxRecordedText)
	ex.RequestHeaders, ex.RequestHeadersDropped = capHeaders(ex.RequestHeaders)
	ex.ResponseHeaders, ex.ResponseHeadersDropped = capHeaders(ex.ResponseHeaders)
	Redact(&ex)
	ex.RequestBody += reqMore
	ex.ResponseBody += respMore
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
	return ex
}

// Append adds exchanges another Recorder has already recorded (trimmed and masked).
func (r *Recorder) Append(exs ...Exchange) {
	r.mu.Lock()
	r.exchanges = append(r.exchanges, exs...)
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

// clip keeps the start of s and says how many bytes were dropped, in at most n bytes (n >= 64).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	note := "…[" + strconv.Itoa(len(s)) + " bytes, " + strconv.Itoa(len(s)-n) + "+ not recorded]"
	return s[:n-len(note)] + note
}

// ClipText keeps the start and the end of s (where an error's cause is), and says how many bytes were
// dropped between them, in at most n bytes (n >= 64). It changes no text of n bytes or less.
func ClipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	note := "…[" + strconv.Itoa(len(s)) + " bytes, " + strconv.Itoa(len(s)-n) + "+ not recorded]…"
	keep := n - len(note)
	return s[:keep-keep/4] + note + s[len(s)-keep/4:]
}

// cut splits s after n bytes: the head, and a note of how many bytes were dropped ("" if none). A body
// RecordBody already cut keeps its count.
func cut(s string, n int) (head, more string) {
	dropped := 0
	if h, k, ok := splitNote(s); ok {
		s, dropped = h, k
	}
	if len(s) > n {
		s, dropped = s[:n], dropped+len(s)-n
	}
	if dropped == 0 {
		return s, ""
	}
	return s, noteHead + strconv.Itoa(dropped) + noteTail
}

const noteHead, noteTail = "…[", " more bytes not recorded]"

// splitNote splits a body RecordBody cut into its head and the count of bytes it dropped.
func splitNote(s string) (head string, dropped int, ok bool) {
	if !strings.HasSuffix(s, noteTail) {
		return s, 0, false
	}
	i := strings.LastIndex(s, noteHead)
	if i < 0 {
		return s, 0, false
	}
	k, err := strconv.Atoi(s[i+len(noteHead) : len(s)-len(noteTail)])
	if err != nil || k <= 0 {
		return s, 0, false
	}
	return s[:i], k, true
}

// RecordBody is what a transcript may keep of a body: its first MaxRecordedBody bytes, and a note of
// how many it dropped. Cutting a large body here, before it is copied into a string, keeps a run from
// holding megabytes of it.
func RecordBody(b []byte) string {
	if len(b) <= MaxRecordedBody {
		return string(b)
	}
	return string(b[:MaxRecordedBody]) + noteHead + strconv.Itoa(len(b)-MaxRecordedBody) + noteTail
}

// capHeaders keeps headers, in name order, up to maxRecordedHeaders bytes in all (each value clipped
// to maxRecordedHeaderValue), and counts the bytes of those it drops.
func capHeaders(h map[string][]string) (map[string][]string, int) {
	size := 0
	for k, vs := range h {
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	if size <= maxRecordedHeaders {
		var out map[string][]string
		for k, vs := range h { // within the total, one value may still be long
			for i, v := range vs {
				if len(v) > maxRecordedHeaderValue {
					if out == nil {
						out = make(map[string][]string, len(h))
						for k2, vs2 := range h {
							out[k2] = append([]string(nil), vs2...)
						}
					}
					out[k][i] = clip(v, maxRecordedHeaderValue)
				}
			}
		}
		if out != nil {
			return out, 0
		}
		return h, 0
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string][]string, len(h))
	kept := 0
	for _, k := range keys {
		for _, v := range h[k] {
			v = clip(v, maxRecordedHeaderValue)
			if kept+len(k)+len(v) > maxRecordedHeaders {
				continue
			}
			kept += len(k) + len(v)
			out[k] = append(out[k], v)
		}
	}
	return out, size - kept
}

// Mask replaces a secret value, keeping only its length.
func Mask(secret string) string {
	if secret == "" || isMasked(secret) {
		return secret
	}
	return "REDACTED_" + strconv.Itoa(len(secret)) + "_chars"
}
