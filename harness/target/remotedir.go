package target

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// Limits of every admin API call of a remote directory.
const (
	remoteTimeout  = 15 * time.Second
	remoteMaxBytes = 1 << 20
)

// RemoteDirectory adapts a mock directory in another process (for example in a container) through its
// admin API at baseURL, authenticated with adminToken. Like InProcessDirectory, every software it
// creates belongs to an organisation of its own. c may be nil (a plain client); each call has its own
// timeout and reads at most 1 MiB. Admin responses carry private keys: they are never logged or kept in
// transcripts.
func RemoteDirectory(baseURL, adminToken string, c *http.Client) Directory {
	if c == nil {
		c = &http.Client{}
	}
	return &remote{base: strings.TrimRight(baseURL, "/"), token: adminToken, c: c}
}

type remote struct {
	base, token string
	run         string // the run owning the organisations it creates (StartRemoteRun); "" none
	c           *http.Client
	n           atomic.Int64
}

// RemoteError is a failed admin API call: the endpoint, and the status and body excerpt when the
// directory answered.
type RemoteError struct {
	Method, Path string
	Status       int    // 0 when no response came back
	Body         string // excerpt of the response body
	Err          error  // transport error, when Status is 0
}

func (e *RemoteError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("mock directory %s %s: %v", e.Method, e.Path, e.Err)
	}
	if e.Err != nil {
		return fmt.Sprintf("mock directory %s %s: status %d: %v: %s", e.Method, e.Path, e.Status, e.Err, e.Body)
	}
	return fmt.Sprintf("mock directory %s %s: status %d: %s", e.Method, e.Path, e.Status, e.Body)
}

func (e *RemoteError) Unwrap() error { return e.Err }

// call sends one admin request with body (JSON-encoded unless nil) and returns the response body when
// the status is want.
func (r *remote) call(ctx context.Context, method, path string, body any, want int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &RemoteError{Method: method, Path: path, Err: fmt.Errorf("encode request: %w", err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return nil, &RemoteError{Method: method, Path: path, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the message already
		}
		return nil, &RemoteError{Method: method, Path: path, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, remoteMaxBytes+1))
	if err != nil {
		return nil, &RemoteError{Method: method, Path: path, Err: fmt.Errorf("read response: %w", err)}
	}
	if len(data) > remoteMaxBytes {
		return nil, &RemoteError{Method: method, Path: path, Status: resp.StatusCode, Body: excerpt(data),
			Err: fmt.Errorf("response exceeds %d bytes", remoteMaxBytes)}
	}
	if resp.StatusCode != want {
		return nil, &RemoteError{Method: method, Path: path, Status: resp.StatusCode, Body: excerpt(data)}
	}
	return data, nil
}

// callJSON is call with the response decoded into out.
func (r *remote) callJSON(ctx context.Context, method, path string, body any, want int, out any) error {
	data, err := r.call(ctx, method, path, body, want)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &RemoteError{Method: method, Path: path, Status: want, Body: excerpt(data), Err: fmt.Errorf("not the expected JSON: %w", err)}
	}
	return nil
}

// excerpt is the start of a response body, printable characters only.
func excerpt(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.TrimSpace(string(b)))
	if len(b) == 300 {
		s += "…"
	}
	return s
}

func (r *remote) NewSoftware(ctx context.Context, opts SoftwareOptions) (*Software, error) {
	n := r.n.Add(1)
	var org mockdirectory.Organisation
	if opts.SiblingOf != nil {
		org.ID = opts.SiblingOf.OrgID
	} else if err := r.callJSON(ctx, http.MethodPost, "/admin/organisations",
		mockdirectory.Organisation{Name: fmt.Sprintf("Conformance TPP %d", n), Status: mockdirectory.StatusActive, Run: r.run},
		http.StatusCreated, &org); err != nil {
		return nil, fmt.Errorf("create organisation: %w", err)
	}
	var sw mockdirectory.Software
	if err := r.callJSON(ctx, http.MethodPost, "/admin/organisations/"+url.PathEscape(org.ID)+"/software", mockdirectory.Software{
		ClientName:   fmt.Sprintf("Conformance software %d", n),
		Status:       mockdirectory.StatusActive,
		Roles:        []string{mockdirectory.RoleAISP, mockdirectory.RolePISP},
		RedirectURIs: defaultRedirectURIs,
		KeyType:      opts.KeyType,
	}, http.StatusCreated, &sw); err != nil {
		return nil, fmt.Errorf("create software: %w", err)
	}
	swPath := "/admin/software/" + url.PathEscape(sw.ID)
	pems := map[string][]byte{}
	for _, f := range []string{"transport.pem", "transport-key.pem", "signing.pem", "signing-key.pem"} {
		b, err := r.call(ctx, http.MethodGet, swPath+"/"+f, nil, http.StatusOK)
		if err != nil {
			return nil, fmt.Errorf("software credentials: %w", err)
		}
		pems[f] = b
	}
	transport, err := tls.X509KeyPair(pems["transport.pem"], pems["transport-key.pem"])
	if err != nil {
		return nil, fmt.Errorf("software %s transport certificate and key: %w", sw.ID, err)
	}
	signer, err := pki.ParseKeyPEM(pems["signing-key.pem"])
	if err != nil {
		return nil, fmt.Errorf("software %s signing key: %w", sw.ID, err)
	}
	key, err := joseutil.NewKey(signer)
	if err != nil {
		return nil, fmt.Errorf("software %s signing key: %w", sw.ID, err)
	}
	if key.Certs, err = pki.ParseCertsPEM(pems["signing.pem"]); err != nil {
		return nil, fmt.Errorf("software %s signing certificate: %w", sw.ID, err)
	}
	// The kid and alg the directory publishes for the live signing key (the kid is the key's RFC 7638
	// thumbprint today; the key list is the authority, so that a change of kid scheme shows up here).
	var keys struct {
		Keys []mockdirectory.KeyInfo `json:"keys"`
	}
	if err := r.callJSON(ctx, http.MethodGet, swPath+"/keys", nil, http.StatusOK, &keys); err != nil {
		return nil, fmt.Errorf("software keys: %w", err)
	}
	found := false
	for _, k := range keys.Keys {
		if k.Use == "sig" && k.Status == "live" {
			if k.KeyID != key.KeyID {
				return nil, fmt.Errorf("software %s: the directory's live signing key %q is not the downloaded key (thumbprint %q)", sw.ID, k.KeyID, key.KeyID)
			}
			if k.Alg != "" {
				key.Alg = jose.SignatureAlgorithm(k.Alg)
			}
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("software %s: GET %s/keys lists no live signing key", sw.ID, swPath)
	}
	return &Software{
		ID:           sw.ID,
		OrgID:        org.ID,
		SigningKey:   key,
		Transport:    &transport,
		RedirectURIs: append([]string(nil), sw.RedirectURIs...),
		Roles:        append([]string(nil), sw.Roles...),
	}, nil
}

func (r *remote) IssueSSA(ctx context.Context, sw *Software, opts mockdirectory.SSAOptions) (string, error) {
	b, err := r.call(ctx, http.MethodPost, "/admin/software/"+url.PathEscape(sw.ID)+"/ssa", opts, http.StatusOK)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func (r *remote) SetSoftwareStatus(ctx context.Context, sw *Software, status string) error {
	_, err := r.call(ctx, http.MethodPatch, "/admin/software/"+url.PathEscape(sw.ID)+"/status", map[string]string{"status": status}, http.StatusOK)
	return err
}

func (r *remote) SetOrganisationStatus(ctx context.Context, sw *Software, status string) error {
	_, err := r.call(ctx, http.MethodPatch, "/admin/organisations/"+url.PathEscape(sw.OrgID)+"/status", map[string]string{"status": status}, http.StatusOK)
	return err
}
