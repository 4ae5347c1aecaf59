package embedded

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// Shared describes a running embedded default to other processes (dcrconform run --procs): they reach
// the reference bank over loopback, the mock directory through its admin API and the bank's clock
// through a control endpoint served by the process that started them. It carries a token: keep it in
// a file only its owner reads.
type Shared struct {
	BankURL     string `json:"bank_url"`
	BankMTLS    string `json:"bank_mtls_url,omitempty"`       // the bank's listener that requires a client certificate, if any
	RFC7591Auth string `json:"rfc7591_auth_method,omitempty"` // what plain RFC 7591 clients use, if not the default
	DirURL      string `json:"directory_url"`
	Token       string `json:"token"` // the directory's admin token, also the control endpoint's
	ControlURL  string `json:"control_url"`
	UKVersion   string `json:"uk_version,omitempty"`
}

// controlExpirePath makes every access token of a client expire now (Target.ExpireTokens).
const controlExpirePath = "/expire-tokens"

// Share serves the control endpoint and describes the environment for Connect. The environment must
// have been started with Options.AdminToken.
func (e *Env) Share(opts Options) (Shared, error) {
	if opts.AdminToken == "" {
		return Shared{}, errors.New("embedded: sharing needs the directory's admin token")
	}
	if e.control != nil {
		return Shared{}, errors.New("embedded: already shared")
	}
	want := sha256.Sum256([]byte("Bearer " + opts.AdminToken))
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+controlExpirePath, func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		var req struct {
			ClientID string `json:"client_id"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil || req.ClientID == "" {
			http.Error(w, "want {\"client_id\": ...}", http.StatusBadRequest)
			return
		}
		e.Bank.Bank.ExpireTokens(req.ClientID)
		w.WriteHeader(http.StatusNoContent)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Shared{}, fmt.Errorf("embedded control endpoint: %w", err)
	}
	e.control = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, MaxHeaderBytes: 16 << 10}
	go func() { _ = e.control.Serve(ln) }()
	return Shared{BankURL: e.Bank.URL, BankMTLS: e.Bank.MTLSURL, RFC7591Auth: rfc7591AuthMethod(opts.Choices), DirURL: e.DirURL, Token: opts.AdminToken, ControlURL: "http://" + ln.Addr().String(), UKVersion: opts.UKVersion}, nil
}

// Connect describes a shared embedded default (see Env.Share) as a target, as Start does for its own.
func Connect(ctx context.Context, s Shared, timeout time.Duration) (*target.Target, error) {
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	bundle, err := fetchCABundle(ctx, s.DirURL+mockdirectory.CABundlePath, 10*time.Second)
	if err != nil {
		return nil, err
	}
	roots, _, err := splitBundle(bundle)
	if err != nil {
		return nil, fmt.Errorf("directory CA bundle: %w", err)
	}
	ctl := &http.Client{Timeout: 10 * time.Second}
	tgt := &target.Target{
		Name:         "embedded reference bank",
		Profile:      bank.ProfileUK,
		Profiles:     profileSettings(s.BankURL, s.BankMTLS, s.RFC7591Auth),
		DiscoveryURL: s.BankURL + "/.well-known/openid-configuration",
		RootCAs:      roots,
		Timeout:      timeout,
		Directory:    target.RemoteDirectory(s.DirURL, s.Token, &http.Client{}),
		Supports:     target.Capabilities{Read: true, Update: true, Delete: true},
		ExpireTokens: func(clientID string) error { return expireRemote(ctl, s, clientID) },
	}
	if err := atUKVersion(tgt, cmp.Or(s.BankMTLS, s.BankURL), s.UKVersion); err != nil {
		return nil, err
	}
	return tgt, nil
}

func expireRemote(c *http.Client, s Shared, clientID string) error {
	body, _ := json.Marshal(map[string]string{"client_id": clientID})
	req, err := http.NewRequest(http.MethodPost, s.ControlURL+controlExpirePath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("expiring tokens through %s: %w", s.ControlURL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("expiring tokens through %s: status %d", s.ControlURL, resp.StatusCode)
	}
	return nil
}
