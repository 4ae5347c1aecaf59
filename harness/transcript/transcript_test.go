package transcript

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestRedactMasksEverySecretAndKeepsClaims(t *testing.T) {
	jwt := "eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJzb2Z0d2FyZSJ9.c2lnbmF0dXJlLWJ5dGVz"
	var r Recorder
	r.Add(Exchange{
		Method:          "POST",
		URL:             "https://bank/token?client_secret=qs-secret",
		RequestHeaders:  map[string][]string{"authorization": {"Bearer tok-secret-1"}},
		RequestBody:     "grant_type=client_credentials&client_assertion=" + jwt + "&client_secret=form-secret",
		ResponseHeaders: map[string][]string{"Set-Cookie": {"s=cookie-secret"}},
		ResponseBody:    `{"access_token":"tok-secret-2","nested":{"registration_access_token":"rat-secret"},"software_statement":"` + jwt + `"}`,
	})
	ex, _ := r.Last()
	all := strings.Join([]string{ex.URL, ex.RequestBody, ex.ResponseBody, strings.Join(ex.RequestHeaders["Authorization"], ","), strings.Join(ex.ResponseHeaders["Set-Cookie"], ",")}, "|")
	for _, secret := range []string{"qs-secret", "tok-secret-1", "form-secret", "cookie-secret", "tok-secret-2", "rat-secret", "c2lnbmF0dXJlLWJ5dGVz"} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q survived redaction: %s", secret, all)
		}
	}
	if got := ex.RequestHeaders["Authorization"][0]; got != "Bearer REDACTED_12_chars" {
		t.Errorf("Authorization = %q, want the scheme kept and the token masked", got)
	}
	roles := map[string]bool{}
	for _, j := range ex.JWTs {
		roles[j.Role] = j.Claims["iss"] == "software"
	}
	if !roles["client_assertion"] || !roles["software_statement"] {
		t.Errorf("decoded JWTs = %+v, want the client_assertion and software_statement decoded", ex.JWTs)
	}
}

func TestRedactLeavesOrdinaryBodiesAlone(t *testing.T) {
	ex := Exchange{ResponseBody: "<html>not json</html>", RequestBody: `{"error":"invalid_client_metadata"}`}
	Redact(&ex)
	if ex.ResponseBody != "<html>not json</html>" || ex.RequestBody != `{"error":"invalid_client_metadata"}` {
		t.Errorf("bodies changed: %q %q", ex.RequestBody, ex.ResponseBody)
	}
}

func TestRedactMasksSecretsInBodiesThatDoNotParse(t *testing.T) {
	ex := Exchange{
		ResponseBody: `{"client_secret":"SUPERSECRET123","access_token":"tok-abcdef`, /* truncated */
		RequestBody:  "client_secret=form-secret-1;x=1 Authorization: Bearer abcdefgh12345678 eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz",
	}
	Redact(&ex)
	all := ex.RequestBody + ex.ResponseBody
	for _, secret := range []string{"SUPERSECRET123", "tok-abcdef", "form-secret-1", "abcdefgh12345678", "c2lnbmF0dXJlLWJ5dGVz"} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q survived: %s", secret, all)
		}
	}
}

// 1 MB of response headers (many, and one huge) is recorded as at most the header limit, saying how
// much was dropped.
func TestRecorderCapsHeaders(t *testing.T) {
	many := map[string][]string{"Huge": {strings.Repeat("h", 1<<20)}}
	for i := 0; i < 1000; i++ {
		many["X-Filler-"+strings.Repeat("f", i%7)+string(rune('a'+i%26))+strconv.Itoa(i)] = []string{strings.Repeat("v", 1000)}
	}
	var r Recorder
	r.Add(Exchange{RequestHeaders: many, ResponseHeaders: many})
	ex, _ := r.Last()
	for side, h := range map[string]map[string][]string{"request": ex.RequestHeaders, "response": ex.ResponseHeaders} {
		size := 0
		for k, vs := range h {
			for _, v := range vs {
				size += len(k) + len(v)
			}
		}
		if size > maxRecordedHeaders {
			t.Errorf("%s headers recorded: %d bytes, want at most %d", side, size, maxRecordedHeaders)
		}
	}
	if ex.ResponseHeadersDropped < 1<<20 || ex.RequestHeadersDropped < 1<<20 {
		t.Errorf("dropped %d/%d bytes, want over 1 MB each", ex.RequestHeadersDropped, ex.ResponseHeadersDropped)
	}
}

// A body is recorded with the bank's bytes: numbers not re-encoded through float64, spacing and key
// order kept; only the secret is masked.
func TestRecorderKeepsTheBanksBytes(t *testing.T) {
	body := `{ "z": 918273645546372819, "a": 1.000, "client_secret": "s3cr3t-value", "e": 1E400 }`
	var r Recorder
	r.Add(Exchange{ResponseBody: body})
	ex, _ := r.Last()
	if want := `{ "z": 918273645546372819, "a": 1.000, "client_secret": "REDACTED_12_chars", "e": 1E400 }`; ex.ResponseBody != want {
		t.Errorf("recorded %s\nwant     %s", ex.ResponseBody, want)
	}
}

// A 100,000-deep body costs one linear pass (see BenchmarkRecordDeepBody) and is recorded clipped.
func TestRecorderClipsADeepBody(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	var r Recorder
	r.Add(Exchange{ResponseBody: deep})
	ex, _ := r.Last()
	if len(ex.ResponseBody) > MaxRecordedBody+64 || !strings.HasPrefix(deep, ex.ResponseBody[:MaxRecordedBody]) {
		t.Errorf("recorded %d bytes", len(ex.ResponseBody))
	}
}

func BenchmarkRecordDeepBody(b *testing.B) {
	deep := strings.Repeat(`{"a":[`, 100000) + strings.Repeat("]}", 100000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var r Recorder
		r.Add(Exchange{ResponseBody: deep, RequestBody: deep})
	}
}

func BenchmarkRecordMegabyteOfHeaders(b *testing.B) {
	h := map[string][]string{}
	for i := 0; i < 1000; i++ {
		h["X-Filler-"+strconv.Itoa(i)] = []string{strings.Repeat("v", 1000)}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var r Recorder
		r.Add(Exchange{ResponseHeaders: h})
	}
}

// A registration as the UK profile sends it (a signed JWT carrying an SSA) and a 201 JSON answer.
func BenchmarkRecordTypicalExchange(b *testing.B) {
	claims := `{"iss":"sw-1","aud":"https://bank","redirect_uris":["https://tpp/cb"],"token_endpoint_auth_method":"private_key_jwt","software_statement":"eyJhbGciOiJQUzI1NiJ9.` +
		strings.Repeat("eyJzb2Z0d2FyZV9pZCI6InN3LTEifQ", 40) + `.c2ln"}`
	req := "eyJhbGciOiJQUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + "." + strings.Repeat("s", 342)
	resp := `{"client_id":"c-1","client_secret":"cs","registration_access_token":"rat","registration_client_uri":"https://bank/register/c-1",` +
		`"redirect_uris":["https://tpp/cb"],"grant_types":["client_credentials","authorization_code"],"client_id_issued_at":1764000000,` +
		`"software_statement":"` + strings.Split(claims, `"software_statement":"`)[1]
	h := map[string][]string{"Content-Type": {"application/jose"}, "Authorization": {"Bearer abc"}, "Accept": {"application/json"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var r Recorder
		r.Add(Exchange{Method: "POST", URL: "https://bank/register", RequestHeaders: h, RequestBody: req, Status: 201, ResponseHeaders: h, ResponseBody: resp})
	}
}

// A 1 MB client_id in a URL, a header and an error is cut like a body, with its length shown; an
// error keeps its end (the cause); a cut text is not cut again.
func TestAddCapsTexts(t *testing.T) {
	id := strings.Repeat("c", 1_000_000)
	var rec Recorder
	ex := rec.Add(Exchange{URL: "https://bank/register/" + id, RequestHeaders: map[string][]string{"X-Client": {id}},
		Error: `Delete "https://bank/register/` + id + `": dial tcp: connection refused`})
	for name, v := range map[string]string{"URL": ex.URL, "header": ex.RequestHeaders["X-Client"][0], "error": ex.Error} {
		if len(v) > MaxRecordedText || !strings.Contains(v, " bytes, ") || !strings.Contains(v, "not recorded]") {
			t.Errorf("%s: %d bytes: %.120q…", name, len(v), v)
		}
	}
	if !strings.HasSuffix(ex.Error, "connection refused") {
		t.Errorf("error lost its cause: …%q", ex.Error[len(ex.Error)-60:])
	}
	if again := ClipText(ex.Error, MaxRecordedText); again != ex.Error {
		t.Errorf("ClipText cut a cut text again")
	}
}

// A request body cut by RecordBody before it is recorded keeps the count of what it dropped.
func TestRecordBodyKeepsItsCount(t *testing.T) {
	body := []byte("client_id=" + strings.Repeat("c", 1_000_000))
	var rec Recorder
	ex := rec.Add(Exchange{URL: "https://bank/token", RequestBody: RecordBody(body)})
	want := fmt.Sprintf("…[%d more bytes not recorded]", len(body)-MaxRecordedBody)
	if !strings.HasSuffix(ex.RequestBody, want) || len(ex.RequestBody) != MaxRecordedBody+len(want) {
		t.Errorf("recorded %d bytes ending %q, want %d ending %q", len(ex.RequestBody), ex.RequestBody[len(ex.RequestBody)-60:], MaxRecordedBody+len(want), want)
	}
}
