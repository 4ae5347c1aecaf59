package transcript

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// echoes are the forms a bank might echo a secret in.
func echoes(sec string) map[string]string {
	j, _ := json.Marshal(sec)
	return map[string]string{
		"raw":          sec,
		"upper":        asciiCase(sec, true),
		"lower":        asciiCase(sec, false),
		"query":        url.QueryEscape(sec),
		"query lower":  asciiCase(url.QueryEscape(sec), false),
		"path":         url.PathEscape(sec),
		"base64":       base64.StdEncoding.EncodeToString([]byte(sec)),
		"base64url":    base64.RawURLEncoding.EncodeToString([]byte(sec)),
		"json":         string(j[1 : len(j)-1]),
		"json slashes": strings.ReplaceAll(string(j[1:len(j)-1]), "/", `\/`),
	}
}

// asciiCase maps ASCII letters only (a bank's echo changes no other byte).
func asciiCase(s string, upper bool) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case upper && c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestMaskSecretsForms(t *testing.T) {
	const sec = "iat-Se/cr+et=7 <x>&\"q\""
	AddSecret(sec)
	AddBasicCredentials("admin@bank", "Basic-Pass-0042")
	for name, form := range echoes(sec) {
		for _, text := range []string{form, "desc: " + form + ".", `{"` + form + `":1}`, "a" + form + "b"} {
			got := MaskSecrets(text)
			if strings.Contains(got, form) {
				t.Errorf("%s: %q survived in %q", name, form, got)
			}
			if again := MaskSecrets(got); again != got {
				t.Errorf("%s: not idempotent: %q then %q", name, got, again)
			}
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte("admin@bank:Basic-Pass-0042"))
	if got := MaskSecrets("got Basic " + basic + " and basic-pass-0042"); strings.Contains(got, basic) || strings.Contains(strings.ToLower(got), "basic-pass-0042") {
		t.Errorf("Basic credentials survived: %q", got)
	}
	if got := MaskSecrets("nothing secret here, 1234567890"); got != "nothing secret here, 1234567890" {
		t.Errorf("changed text without a secret: %q", got)
	}
}

// An exchange whose request carries credentials and whose response echoes them anywhere keeps none.
func TestRedactMasksEchoesByValue(t *testing.T) {
	const iat, rat = "InitialTok-9f8e7d6c", "RegAccessTok/4a5b+6c"
	ex := Exchange{
		URL:            "https://bank/register",
		RequestHeaders: map[string][]string{"Authorization": {"Bearer " + iat}},
		RequestBody:    `{"redirect_uris":["https://tpp/cb"]}`,
		ResponseHeaders: map[string][]string{
			"X-Echo": {"you sent " + iat}, "X-Echo-Url": {url.QueryEscape(rat)}, "Location": {"https://bank/r?t=" + url.QueryEscape(rat)},
			"Access-Control-Allow-Credentials": {"true"},
		},
		ResponseBody: `{"error_description":"token ` + asciiCase(iat, true) + ` is wrong","` + iat + `":true,"registration_access_token":"` + rat + `","b64":"` +
			base64.StdEncoding.EncodeToString([]byte(rat)) + `","esc":"` + strings.ReplaceAll(rat, "/", `\/`) + `"}`,
	}
	Redact(&ex)
	out, _ := json.Marshal(ex)
	for _, sec := range []string{iat, rat} {
		for name, form := range echoes(sec) {
			if strings.Contains(string(out), form) || strings.Contains(fmt.Sprint(ex), form) {
				t.Errorf("%s form of %s survived:\n%s", name, sec, out)
			}
		}
	}
	if got := ex.ResponseHeaders["Access-Control-Allow-Credentials"]; len(got) != 1 || got[0] != "true" {
		t.Errorf("Access-Control-Allow-Credentials = %q, want true (not a secret)", got)
	}
	if !json.Valid([]byte(ex.ResponseBody)) {
		t.Errorf("the body is no longer JSON: %s", ex.ResponseBody)
	}
}

func TestSecretShapesLearnt(t *testing.T) {
	const pass, sig = "UserInfoPass-77x", "c2lnbmF0dXJlLW9mLWEtand0LTEyMzQ1Njc4OTA"
	RedactText("dial https://u:" + pass + "@bank/x")
	RedactText("eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJ4In0." + sig)
	if got := MaskSecrets("echo " + pass + " and " + sig); strings.Contains(got, pass) || strings.Contains(got, sig) {
		t.Errorf("a secret seen in its shape is not masked by value later: %q", got)
	}
	key := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
	AddPrivateKeyPEM([]byte(key))
	if got := MaskSecrets("line MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 echoed"); strings.Contains(got, "MIIEvQIBADANBgkq") {
		t.Errorf("private key material survived: %q", got)
	}
}

// A secret longer than the indexed prefix is masked whole.
func TestMaskSecretsLong(t *testing.T) {
	long := strings.Repeat("L0ngT0k3n", 300)
	AddSecret(long)
	if got := MaskSecrets("x " + long + " y"); got != "x REDACTED_2700_chars y" {
		t.Errorf("got %.80q", got)
	}
}

func TestShortValuesNotMasked(t *testing.T) {
	AddSecret("short", "REDACTED_12_chars")
	if got := MaskSecrets("a short word REDACTED_12_chars"); got != "a short word REDACTED_12_chars" {
		t.Errorf("got %q", got)
	}
}

// BenchmarkMaskSecrets: 1 MB of text against 5,000 registered secrets (sharing a prefix, as a bank's
// tokens often do), a few of them present: linear in the text.
func BenchmarkMaskSecrets(b *testing.B) {
	for i := range 5000 {
		AddSecret(fmt.Sprintf("at_live_%032x", i*7919))
	}
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		sb.WriteString(`{"client_id":"at_live_0000aaaa","note":"eyJhbGciOiJQUzI1NiJ9 `)
		fmt.Fprintf(&sb, "at_live_%032x\"}\n", sb.Len()%5000*7919)
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for range b.N {
		MaskSecrets(text)
	}
}

// BenchmarkRedactTextMB is RedactText over a 1 MB client_id-like text.
func BenchmarkRedactTextMB(b *testing.B) {
	text := "https://bank/register/" + strings.Repeat("c", 1<<20) + "?x=1"
	b.SetBytes(int64(len(text)))
	for range b.N {
		RedactText(text)
	}
}

// JSON escapes of other writers (PHP's \/, Python's \u00e9, JSON in JSON) and an unforeseen escape of a
// separator still mask the secret's random core.
func TestMaskSecretsOtherEscapes(t *testing.T) {
	const sec = "Tok/é+9f8e7d6c5b4a39281706"
	AddSecret(sec)
	for _, echo := range []string{`Tok\/\u00e9+9f8e7d6c5b4a39281706`, `Tok\\/é+9f8e7d6c5b4a39281706`, `Tok\/é\u002b9f8e7d6c5b4a39281706`} {
		if got := MaskSecrets("x " + echo + " y"); strings.Contains(got, "9f8e7d6c5b4a") {
			t.Errorf("%q: got %q", echo, got)
		}
	}
}

// Secrets registered while other goroutines mask are safe (run with -race).
func TestSecretsConcurrent(t *testing.T) {
	done := make(chan bool)
	for g := range 4 {
		go func() {
			for i := range 200 {
				sec := fmt.Sprintf("concurrent-%d-%d-secret", g, i)
				AddSecret(sec)
				if got := RedactText("x " + sec + " y"); strings.Contains(got, sec) {
					t.Errorf("%q survived: %q", sec, got)
				}
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
}
