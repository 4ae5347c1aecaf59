package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Secrets an echoing bank plants in every shape; none may appear in any output of the run.
var planted = []string{
	"Sec01regTokenQuoted", "Sec02clientSecret", "Sec03uriAccessToken", "Sec04camelAccess", "Sec05pemBody",
	"Sec06jwtClaim", "Sec07jwtSignature", "Sec08customHeader", "Sec09cookie", "Sec10userinfo", "Sec11formToken",
	"Sec12challenge", "Sec13htmlParagraph", "Sec14capitalised", "Sec15nestedJSON",
}

// echoingBank answers every request with the planted secrets: in JSON (an escaped quote before one,
// camelCase and capitalised names, a PEM key under a name of its own, JSON inside a JSON string, a
// registration_client_uri carrying ?access_token=), in a JWT's claims and signature, in a form, in
// headers (a custom one the config names as secret, Set-Cookie, a Location with user-info, a
// WWW-Authenticate challenge), and terminal control bytes besides. Registrations get status.
func echoingBank(status int) http.HandlerFunc {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	jwt := "eyJhbGciOiJQUzI1NiJ9." + b64(`{"iss":"bank","client_secret":"`+planted[5]+`","n":918273645546372819}`) + "." + planted[6]
	return func(w http.ResponseWriter, r *http.Request) {
		status := status
		h := w.Header()
		h.Set("X-Bank-Key", planted[7])
		h.Set("Set-Cookie", "session="+planted[8])
		h.Set("Location", "https://admin:"+planted[9]+"@bank.example/register/c1")
		h.Set("Www-Authenticate", `Bearer error="invalid_token", error_description="(access_token=`+planted[11]+`)"`)
		switch {
		case status == http.StatusAccepted: // garbage: terminal control bytes and secrets, not JSON
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("\x00\x1b]0;pwned\x07\x1b[2J\xff\xfe (access_token=" + planted[2] + ") client_secret: " + planted[1]))
			return
		case strings.HasSuffix(r.URL.Path, "/token") && status == http.StatusCreated:
			h.Set("Content-Type", "application/json")
			w.Write([]byte(`{"token_type":"Bearer","expires_in":300,"scope":"accounts","access_token":"` + planted[10] + `"}`))
			return
		case strings.HasSuffix(r.URL.Path, "/token"):
			h.Set("Content-Type", "application/x-www-form-urlencoded")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte("error=invalid_client&access_token=" + planted[10] + "&x=\x1b]0;pwned\x07"))
			return
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
			return
		case r.Method != http.MethodPost && status != http.StatusCreated:
			w.WriteHeader(http.StatusUnauthorized)
			return
		case r.Method != http.MethodPost:
			status = http.StatusOK
		}
		nested, _ := json.Marshal(map[string]string{"client_secret": `q"` + planted[14]})
		body, _ := json.Marshal(map[string]any{
			"client_id":                 "c1",
			"registration_access_token": `A"B` + planted[0],
			"client_secret":             planted[1],
			"registration_client_uri":   "https://" + r.Host + "/register/c1?access_token=" + planted[2],
			"accessToken":               planted[3],
			"signing_material":          "-----BEGIN PRIVATE KEY-----\nMII" + planted[4] + "\n-----END PRIVATE KEY-----\n",
			"id_token":                  jwt,
			"software_statement":        jwt,
			"error":                     "invalid_client_metadata",
			"error_description":         "<p>access_token=" + planted[12] + "</p> Client_Secret: " + planted[13] + " \x00\x1b[2J\xff\xfe",
			"details":                   string(nested),
		})
		// Numbers as the bank wrote them, not through float64.
		body = bytes.Replace(body, []byte(`"client_id":"c1"`), []byte(`"client_id":"c1","client_id_issued_at":918273645546372819`), 1)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// A run against a bank that echoes planted secrets in every shape shows none of them on the console
// (with and without colour) nor in the JUnit, JSON, HTML and Ginkgo JSON reports; the console never
// carries the bank's control bytes; the HTML is valid UTF-8; the JSON report keeps the bank's numbers.
func TestNoPlantedSecretInAnyOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin := plainBinary(t)
	for _, c := range []struct {
		name   string
		status int
		color  bool
	}{{"accepting", http.StatusCreated, true}, {"refusing", http.StatusBadRequest, false}, {"garbage", http.StatusAccepted, false}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := misbehavingBank(t, echoingBank(c.status))
			data, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, "overrides:\n  secret_headers: [X-Bank-Key]\n"...)
			if err := os.WriteFile(cfg, data, 0o600); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			out := func(name string) string { return filepath.Join(dir, name) }
			args := []string{"run", "--config", cfg, "--junit", out("junit.xml"), "--junit-transcripts", "all", "--json", out("run.json"),
				"--html", out("run.html"), "--ginkgo-json", out("ginkgo.json"), "-v"}
			if !c.color {
				args = append(args, "--no-color")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != exitFailed {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailed, stderr.String())
			}
			outputs := map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes()}
			for _, f := range []string{"junit.xml", "run.json", "run.html", "ginkgo.json"} {
				if outputs[f], err = os.ReadFile(out(f)); err != nil {
					t.Fatal(err)
				}
			}
			for name, b := range outputs {
				for _, s := range planted {
					if bytes.Contains(b, []byte(s)) {
						i := bytes.Index(b, []byte(s))
						t.Errorf("%s holds the planted secret %s: …%s…", name, s, b[max(0, i-120):min(len(b), i+40)])
					}
				}
			}
			// The bank's bytes were seen (so the run did reach the echo), escaped.
			if !bytes.Contains(outputs["run.json"], []byte("REDACTED_")) {
				t.Error("the JSON report masks nothing: did the run reach the bank?")
			}
			console := append(append([]byte{}, stdout.Bytes()...), stderr.Bytes()...)
			if bytes.ContainsAny(console, "\x00\x07") || bytes.Contains(console, []byte{0xff}) {
				t.Error("the console carries the bank's control bytes raw")
			}
			esc := bytes.Count(console, []byte("\x1b"))
			if sgr := len(regexp.MustCompile("\x1b\\[[0-9;]*m").FindAll(console, -1)); !c.color && esc > 0 || esc != sgr {
				t.Errorf("the console carries %d escape characters, %d of them colours (colour %v)", esc, sgr, c.color)
			}
			if c.status == http.StatusAccepted && !bytes.Contains(stdout.Bytes(), []byte(`\x00\x1b]0;pwned\x07\x1b[2J\xff\xfe`)) {
				t.Error("the garbage body's control bytes are not shown escaped on the console")
			}
			if !utf8.Valid(outputs["run.html"]) {
				t.Error("the HTML report is not valid UTF-8")
			}
			if c.status != http.StatusAccepted && !bytes.Contains(outputs["run.json"], []byte("918273645546372819")) {
				t.Error("the JSON report lost the bank's number 918273645546372819")
			}
		})
	}
}
