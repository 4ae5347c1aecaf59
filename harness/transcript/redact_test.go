package transcript

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// Each case plants the secret SECRET-xyz-0042 (or a variant) in one shape; the redacted text must not
// hold it, must equal want when want is given, and must not change when redacted again.
func TestRedactTextShapes(t *testing.T) {
	const sec = "SECRET-xyz-0042"
	jwtPart := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	SetSecretHeaders("X-Bank-Key")
	for _, c := range []struct{ name, in, want string }{
		{"start", "access_token=" + sec, "access_token=REDACTED_15_chars"},
		{"after space", "see access_token=" + sec + " here", "see access_token=REDACTED_15_chars here"},
		{"after &", "a=1&access_token=" + sec + "&b=2", "a=1&access_token=REDACTED_15_chars&b=2"},
		{"after ?", "https://bank/reg/1?access_token=" + sec, "https://bank/reg/1?access_token=REDACTED_15_chars"},
		{"after ;", "x;access_token=" + sec, "x;access_token=REDACTED_15_chars"},
		{`after "`, `uri "https://b/r?x&access_token=` + sec + `"`, `uri "https://b/r?x&access_token=REDACTED_15_chars"`},
		{"after (", "(access_token=" + sec + ")", "(access_token=REDACTED_15_chars)"},
		{"after ,", "a,access_token=" + sec + ",b", "a,access_token=REDACTED_15_chars,b"},
		{"after :", "uri:access_token=" + sec, "uri:access_token=REDACTED_15_chars"},
		{"after <p>", "<p>access_token=" + sec + "</p>", "<p>access_token=REDACTED_15_chars</p>"},
		{"url-encoded =", "next=https%3A%2F%2Fb%3Faccess_token%3D" + sec + "%26x%3D1", "next=https%3A%2F%2Fb%3Faccess_token%3DREDACTED_15_chars%26x%3D1"},
		{"escaped quote in JSON", `{"registration_access_token" : "A\"B` + sec + `"}`, `{"registration_access_token" : "REDACTED_19_chars"}`},
		{"backslashes in JSON", `{"client_secret":"A\\` + sec + `\\","x":"y"}`, `{"client_secret":"REDACTED_20_chars","x":"y"}`},
		{"JSON in a JSON string", `{"d":"ok","m":"{\"client_secret\":\"a\\\"` + sec + `\"}"}`, `{"d":"REDACTED_2_chars","m":"{\"client_secret\":\"REDACTED_20_chars\"}"}`},
		{"JSON in text", `no "error" member in {"refresh_token":"` + sec + `"`, `no "error" member in {"refresh_token":"REDACTED_15_chars"`},
		{"truncated JSON", `{"access_token":"` + sec[:9], `{"access_token":"REDACTED_9_chars`},
		{"single quotes", `{'client_secret': '` + sec + `'}`, `{'client_secret': 'REDACTED_15_chars'}`},
		{"Go map", "map[client_secret:" + sec + " x:1]", "map[client_secret:REDACTED_15_chars x:1]"},
		{"camelCase", `{"accessToken":"` + sec + `"}`, `{"accessToken":"REDACTED_15_chars"}`},
		{"capitalised", "Client_Secret=" + sec, "Client_Secret=REDACTED_15_chars"},
		{"upper case", "ACCESS-TOKEN: " + sec, "ACCESS-TOKEN: REDACTED_15_chars"},
		{"PEM under any name", `{"signing_material":"-----BEGIN PRIVATE KEY-----\nMII` + sec + `\n-----END PRIVATE KEY-----\n"}`,
			`{"signing_material":"-----BEGIN PRIVATE KEY-----REDACTED_22_chars-----END PRIVATE KEY-----\n"}`},
		{"PEM in a form", "cert=x&material=-----BEGIN+EC+PRIVATE+KEY-----%0AMII" + sec + "%0A-----END+EC+PRIVATE+KEY-----",
			"cert=x&material=-----BEGIN+EC+PRIVATE+KEY-----REDACTED_24_chars-----END+EC+PRIVATE+KEY-----"},
		{"PEM cut short", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMII" + sec, "key:\n-----BEGIN RSA PRIVATE KEY-----REDACTED_19_chars"},
		{"URL user-info", "dial https://admin:" + sec + "@bank.example/x", "dial https://admin:REDACTED_15_chars@bank.example/x"},
		{"Authorization line", "Authorization: Bearer " + sec + " trailing", "Authorization: Bearer REDACTED_15_chars trailing"},
		{"Cookie line", "Cookie: a=" + sec + "; b=2", "Cookie: REDACTED_22_chars"},
		{"bearer in text", "sent Bearer " + sec, "sent Bearer REDACTED_15_chars"},
		{"basic in JSON", `{"h":"Basic ` + base64.StdEncoding.EncodeToString([]byte("c:"+sec)) + `"}`, `{"h":"Basic REDACTED_24_chars"}`},
		{"custom header line", "X-Bank-Key: " + sec, "X-Bank-Key: REDACTED_15_chars"},
		{"custom header in JSON", `{"x_bank_key":"` + sec + `"}`, `{"x_bank_key":"REDACTED_15_chars"}`},
		{"JWT signature", "got eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0." + jwtPart(sec), "got eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.[signature removed]"},
		{"secret claim in a JWT", "eyJhbGciOiJub25lIn0." + jwtPart(`{"iss":"x","client_secret":"`+sec+`"}`) + ".c2ln",
			"eyJhbGciOiJub25lIn0." + jwtPart(`{"iss":"x","client_secret":"REDACTED_15_chars"}`) + ".[signature removed]"},
		{"junk after JSON", `{"a":1} access_token="` + sec + `" Authorization: Bearer ` + sec, `{"a":1} access_token="REDACTED_15_chars" Authorization: Bearer REDACTED_15_chars`},
		// Not secrets.
		{"prose", "expected: an access_token in the token response (RFC6749-5.1)", ""},
		{"challenge", `WWW-Authenticate "Bearer error=\"invalid_token\""`, ""},
		{"metadata", "token_endpoint_auth_method=private_key_jwt&token_type=Bearer", ""},
		{"bearer prose", "a WWW-Authenticate: Bearer challenge with the 401", ""},
		{"big number", `{"n":918273645546372819,"f":1.50e+300}`, ""},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		got := redactBodyText(c.in)
		if got != want {
			t.Errorf("%s: RedactText(%q)\n = %q\nwant %q", c.name, c.in, got, want)
		}
		if strings.Contains(got, sec) || strings.Contains(got, sec[:9]) {
			t.Errorf("%s: the secret survived: %q", c.name, got)
		}
		if again := redactBodyText(got); again != got {
			t.Errorf("%s: not idempotent: %q then %q", c.name, got, again)
		}
	}
}

func TestRedactExchangeShapes(t *testing.T) {
	const sec = "SECRET-hdr-0042"
	SetSecretHeaders("X-Bank-Key")
	ex := Exchange{
		URL:             "https://user:" + sec + "1@bank/reg?access_token=" + sec + "2",
		RequestHeaders:  map[string][]string{"x-bank-key": {sec + "3"}, "X-Api-Key": {sec + "4"}, "Accept": {"application/json"}},
		ResponseHeaders: map[string][]string{"Location": {"https://bank/reg/1?access_token=" + sec + "5"}},
		ResponseBody:    `{"client_id":"c1","clientSecret":"` + sec + `6","n":918273645546372819}`,
		Error:           "Get \"https://bank/x?access_token=" + sec + "7\": EOF",
	}
	Redact(&ex)
	all := ex.URL + ex.ResponseBody + ex.Error + strings.Join(ex.RequestHeaders["X-Bank-Key"], "") + strings.Join(ex.RequestHeaders["X-Api-Key"], "") + strings.Join(ex.ResponseHeaders["Location"], "")
	if strings.Contains(all, sec) {
		t.Errorf("a secret survived: %s", all)
	}
	if want := `{"client_id":"c1","clientSecret":"REDACTED_16_chars","n":918273645546372819}`; ex.ResponseBody != want {
		t.Errorf("body = %s, want the bank's bytes with the secret masked: %s", ex.ResponseBody, want)
	}
	if ex.RequestHeaders["Accept"][0] != "application/json" {
		t.Errorf("Accept = %q, want it kept", ex.RequestHeaders["Accept"])
	}
}

// redactBodyText redacts s as a recorded body would be.
func redactBodyText(s string) string { return redactBody(s, "response", new([]DecodedJWT)) }

// A URL whose last path segment is a secret name, followed by ": ", names no value: the harness's own
// "POST https://bank/token: connection refused" must not teach it "connection" as a secret, which it
// would then mask in every later message.
func TestURLPathIsNoSecretName(t *testing.T) {
	resetSecrets()
	defer resetSecrets()
	const msg = "POST https://127.0.0.1:39979/token: connection refused (nothing listens there)"
	if got := RedactText(msg); got != msg {
		t.Errorf("RedactText(%q) = %q", msg, got)
	}
	if got := RedactText("dial tcp: connect: connection refused"); strings.Contains(got, "REDACTED") {
		t.Errorf("a word was learned as a secret: %q", got)
	}
	if got := RedactText("client_assertion: abcdefgh12345678"); !strings.Contains(got, "REDACTED_") {
		t.Errorf("a named secret was not masked: %q", got)
	}
}

// A secret whose value shows inside a JSON number (a numeric token, a timestamp-like value) is masked
// as the whole number, quoted: masking part of it wrote `[1REDACTED_8_chars9]`, and the Ginkgo JSON
// report no longer parsed.
func TestSecretInANumberKeepsJSON(t *testing.T) {
	resetSecrets()
	defer resetSecrets()
	AddSecret("12345678")
	got := RedactJSON(`{"a":[1123456789, 2],"b":"x 12345678 y","c":true}`)
	if !json.Valid([]byte(got)) || strings.Contains(got, "12345678") {
		t.Errorf("RedactJSON = %s: want valid JSON without the secret", got)
	}
}
