package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A bank that refuses even the valid baseline registration makes every negative registration spec
// inconclusive: each is skipped, never passed, and each shows the positive control's refused request,
// whichever spec ran the control. The management specs, whose set-up registration is refused, are
// inconclusive too: only the specs owning the registration's answer fail.
func TestInconclusiveSpecsShowThePositiveControl(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost && r.URL.Path == "/register" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_client_metadata","error_description":"registration is closed"}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"not_found"}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bank.yaml")
	yaml := fmt.Sprintf("profile: rfc7591\ntarget:\n  name: closed bank\n  issuer: %[1]s\n  registration_endpoint: %[1]s/register\n  token_endpoint: %[1]s/token\n  timeout: 2s\n  allow_http: true\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "run.json")
	cmd := exec.Command(plainBinary(t), "run", "--config", cfg, "--json", report, "--no-color", "-v=false")
	cmd.Dir = dir // the default JUnit report goes there
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != exitFailed {
		t.Fatalf("exit %v, want 1 (the positive specs fail)\n%s", err, lastLines(string(out), 30))
	}
	inconclusive, setUp := 0, 0
	for _, s := range readRunRecord(t, report).Specs {
		if s.Operation == "read" || s.Operation == "update" || s.Operation == "delete" {
			// One deviation, one failure: the registration these specs need first is a set-up step; its
			// refusal fails RFC-REG-001 alone, and leaves these inconclusive, naming the step.
			if !s.Skipped() || !strings.Contains(s.Reason, "inconclusive: set-up step the registration") || !strings.Contains(s.Reason, "registration is closed") {
				t.Errorf("%s ended %s (%s), want skipped as inconclusive, naming the refused set-up registration", s.ID, s.Outcome, s.Reason)
			}
			setUp++
			continue
		}
		if s.Kind != "negative" || s.Operation != "register" {
			continue
		}
		if !s.Skipped() || !strings.Contains(s.Reason, "inconclusive") || !strings.Contains(s.Reason, "registration is closed") {
			t.Errorf("%s ended %s (%s), want skipped as inconclusive, naming the control's refusal", s.ID, s.Outcome, s.Reason)
			continue
		}
		inconclusive++
		if len(s.Exchanges) == 0 || s.Exchanges[0].Method != "POST" || s.Exchanges[0].Status != 400 {
			t.Errorf("%s: the transcript does not show the control's refused registration: %d exchanges", s.ID, len(s.Exchanges))
		}
	}
	if inconclusive < 2 {
		t.Errorf("%d negative registration specs were inconclusive, want every one", inconclusive)
	}
	if setUp < 10 {
		t.Errorf("%d management specs ran, want every one", setUp)
	}
}
