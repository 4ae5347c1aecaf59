package transcript

import (
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
