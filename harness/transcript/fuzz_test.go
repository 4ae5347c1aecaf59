package transcript

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var secretNames = []string{"access_token", "client_secret", "registration_access_token", "refresh_token", "id_token",
	"client_assertion", "accessToken", "Client_Secret", "CLIENT-SECRET", "password", "private_key", "x-api-key", "X-Bank-Key"}

// plantedSecret makes a secret from fuzz bytes: token characters only, with a prefix no body holds.
func plantedSecret(seed string) string {
	var b strings.Builder
	b.WriteString("Zq9K")
	for i := 0; i < len(seed) && b.Len() < 40; i++ {
		if c := seed[i]; isNameByte(c) || c == '.' || c == '~' {
			b.WriteByte(c)
		}
	}
	b.WriteString("x7Wp")
	return b.String()
}

func jsonQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// plant builds a body of one shape holding the secret under a secret name, around fuzz noise.
func plant(shape uint8, noise, name, secret string) (body string, headers map[string][]string) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	switch shape % 12 {
	case 0: // JSON
		return `{"error_description":` + jsonQuote(noise) + `,` + jsonQuote(name) + `:` + jsonQuote(secret) + `}`, nil
	case 1: // JSON, the value holding escapes
		return `{` + jsonQuote(name) + ` : ` + jsonQuote(`A"\`+secret+`"B`) + `,"n":` + jsonQuote(noise) + `}`, nil
	case 2: // form
		return url.QueryEscape(noise) + "=1&" + name + "=" + url.QueryEscape(secret) + "&scope=x", nil
	case 3: // JWT body, the secret as a claim and as the signature
		return "eyJhbGciOiJQUzI1NiJ9." + b64(`{"iss":`+jsonQuote(noise)+`,`+jsonQuote(name)+`:`+jsonQuote(secret)+`}`) + "." + secret, nil
	case 4: // JWT inside JSON
		return `{"software_statement":"eyJhbGciOiJub25lIn0.` + b64(`{`+jsonQuote(name)+`:`+jsonQuote(secret)+`}`) + `.c2ln","x":` + jsonQuote(noise) + `}`, nil
	case 5: // free text
		return noise + " (" + name + "=" + secret + ") " + noise, nil
	case 6: // JSON inside a JSON string
		return `{"message":` + jsonQuote(`{"a":`+jsonQuote(noise)+`,`+jsonQuote(name)+`:`+jsonQuote(`q"`+secret)+`}`) + `}`, nil
	case 7: // a PEM private key under a name of the bank's
		return `{` + jsonQuote("k"+noise) + `:` + jsonQuote("-----BEGIN PRIVATE KEY-----\n"+secret+"\n-----END PRIVATE KEY-----\n") + `}`, nil
	case 8: // headers
		return noise, map[string][]string{name: {"Bearer " + secret}, "Www-Authenticate": {noise}}
	case 9: // a URL with a password and a token
		return "see https://user:" + secret + "@bank.example/r?" + name + "=" + secret + "#" + noise, nil
	case 10: // authorization in text
		return noise + "\nAuthorization: Bearer " + secret + "\n" + noise, nil
	default: // truncated JSON: cut inside the secret
		full := `{"x":` + jsonQuote(noise) + `,` + jsonQuote(name) + `:"` + secret + `"}`
		return full[:strings.Index(full, secret)+len(secret)-3], nil
	}
}

var jwsInText = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)*`)

// leaks reports whether out holds the secret, also inside a base64url part of a JWT.
func leaks(out, secret string) bool {
	if strings.Contains(out, secret) || strings.Contains(out, secret[:len(secret)-3]) {
		return true
	}
	for _, tok := range jwsInText.FindAllString(out, -1) {
		for _, p := range strings.Split(tok, ".") {
			if dec, err := base64.RawURLEncoding.DecodeString(p); err == nil && strings.Contains(string(dec), secret[:len(secret)-3]) {
				return true
			}
		}
	}
	return false
}

// FuzzRedact: whatever surrounds it, a secret planted in any shape of body (JSON, escaped JSON, form,
// JWT, free text, PEM, headers, URL, truncated; noise that may be invalid UTF-8) survives nowhere in
// the recorded exchange; a body that was valid JSON stays valid JSON.
func FuzzRedact(f *testing.F) {
	for i := 0; i < 12; i++ {
		f.Add(uint8(i), uint8(i), "invalid_client_metadata", "s3cr3t")
	}
	f.Add(uint8(5), uint8(0), "<p>\x00\xff\x1b[31m", "abc")
	f.Add(uint8(1), uint8(2), `\"]}`, "A\"B")
	SetSecretHeaders("X-Bank-Key")
	f.Fuzz(func(t *testing.T, shape, nameIdx uint8, noise, seed string) {
		secret := plantedSecret(seed)
		if strings.Contains(noise, secret[:len(secret)-3]) {
			t.Skip()
		}
		name := secretNames[int(nameIdx)%len(secretNames)]
		body, headers := plant(shape, noise, name, secret)
		var rec Recorder
		rec.Add(Exchange{URL: "https://bank.example/r?" + name + "=" + secret, RequestHeaders: headers, ResponseHeaders: headers,
			RequestBody: body, ResponseBody: body, Error: body})
		ex, _ := rec.Last()
		out, err := json.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		// Compare unescaped text: json.Marshal escapes < > & and invalid UTF-8.
		var plain Exchange
		_ = json.Unmarshal(out, &plain)
		all := string(out) + plain.RequestBody + plain.Error + plain.URL
		if leaks(all, secret) || leaks(ex.ResponseBody, secret) {
			t.Fatalf("shape %d: secret %q survived in\n%s", shape%12, secret, out)
		}
		if json.Valid([]byte(body)) && !json.Valid([]byte(ex.ResponseBody)) {
			t.Fatalf("shape %d: valid JSON became invalid:\n%s\n%s", shape%12, body, ex.ResponseBody)
		}
		if text := RedactText(noise + " " + name + "=" + secret); leaks(text, secret) {
			t.Fatalf("RedactText left the secret: %q", text)
		}
	})
}

// FuzzMaskSecrets: a registered secret, echoed in any form (raw, another letter case, URL-encoded,
// base64, JSON-escaped) anywhere in any text, survives in no form; masking by value is idempotent, and a
// text holding no form of a secret comes out unchanged.
func FuzzMaskSecrets(f *testing.F) {
	f.Add(uint8(0), "error_description: ", "Tok/en+=1")
	f.Add(uint8(3), `{"`, "x y<z>&")
	f.Add(uint8(7), "\x00\xff\x1b[31m", `q"\`)
	f.Fuzz(func(t *testing.T, shape uint8, noise, seed string) {
		secret := "Zq9K" + seed + "x7Wp"
		if len(secret) > 200 || strings.Contains(asciiCase(noise, false), "zq9k") {
			t.Skip()
		}
		if got := MaskSecrets(noise); got != noise && !strings.Contains(noise, "REDACTED_") {
			if !strings.Contains(got, "REDACTED_") {
				t.Fatalf("text changed with no mask: %q -> %q", noise, got)
			}
		}
		AddSecret(secret)
		forms := echoes(secret)
		names := []string{"raw", "upper", "lower", "query", "query lower", "path", "base64", "base64url", "json", "json slashes"}
		form := forms[names[int(shape)%len(names)]]
		text := noise + form + noise
		got := MaskSecrets(text)
		if strings.Contains(asciiCase(got, false), asciiCase(form, false)) {
			t.Fatalf("%s form %q survived in %q", names[int(shape)%len(names)], form, got)
		}
		if again := MaskSecrets(got); again != got {
			t.Fatalf("not idempotent: %q then %q", got, again)
		}
		ex := Exchange{URL: "https://bank/r?x=" + form, ResponseHeaders: map[string][]string{"X-Echo": {form}, form: {"1"}}, ResponseBody: text}
		Redact(&ex)
		out, _ := json.Marshal(ex)
		var plain Exchange
		_ = json.Unmarshal(out, &plain)
		if all := asciiCase(string(out)+plain.ResponseBody+plain.URL, false); strings.Contains(all, asciiCase(form, false)) {
			t.Fatalf("%q survived in the exchange:\n%s", form, out)
		}
	})
}
