package target

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

func newRemote(t *testing.T) (*mockdirectory.Directory, Directory) {
	t.Helper()
	d, err := mockdirectory.New(mockdirectory.Config{AdminToken: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	d.SetBaseURL(srv.URL)
	return d, RemoteDirectory(srv.URL, "s3cret", srv.Client())
}

func TestRemoteDirectoryMintsWhatInProcessDoes(t *testing.T) {
	algs := []jose.SignatureAlgorithm{jose.PS256, jose.ES256}
	ctx := context.Background()
	d, rd := newRemote(t)
	for _, kt := range []string{"", mockdirectory.KeyTypeEC} {
		sw, err := rd.NewSoftware(ctx, SoftwareOptions{KeyType: kt})
		if err != nil {
			t.Fatalf("NewSoftware(%q): %v", kt, err)
		}
		creds, err := d.Credentials(sw.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sw.SigningKey.KeyID != creds.SigningKey.KeyID || sw.SigningKey.Alg != creds.SigningKey.Alg {
			t.Errorf("signing key %s/%s, directory has %s/%s", sw.SigningKey.KeyID, sw.SigningKey.Alg, creds.SigningKey.KeyID, creds.SigningKey.Alg)
		}
		if len(sw.SigningKey.Certs) == 0 || len(sw.Transport.Certificate) != len(creds.Transport.Certificate) {
			t.Errorf("certificate chains missing: signing %d, transport %d", len(sw.SigningKey.Certs), len(sw.Transport.Certificate))
		}
		if sw.OrgID == "" || len(sw.RedirectURIs) == 0 || len(sw.Roles) == 0 {
			t.Errorf("incomplete software: %+v", sw)
		}
		ssa, err := rd.IssueSSA(ctx, sw, mockdirectory.SSAOptions{Set: map[string]any{"software_client_name": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		claims, _, err := joseutil.Verify(ssa, d.JWKS(), algs)
		if err != nil {
			t.Fatalf("SSA does not verify with the directory's key set: %v", err)
		}
		if claims["software_id"] != sw.ID || claims["software_client_name"] != "x" {
			t.Errorf("SSA claims %v", claims)
		}
		// The request signing key is the one the directory publishes for the software.
		jwt, err := joseutil.Sign(map[string]any{"iss": sw.ID}, sw.SigningKey, "JWT")
		if err != nil {
			t.Fatal(err)
		}
		set, err := d.KeySet(mockdirectory.SoftwareJWKSPath(sw.OrgID, sw.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := joseutil.Verify(jwt, set, algs); err != nil {
			t.Errorf("request signed with the downloaded key does not verify with the software key set: %v", err)
		}
		if err := rd.SetSoftwareStatus(ctx, sw, mockdirectory.StatusRevoked); err != nil {
			t.Fatal(err)
		}
		if err := rd.SetOrganisationStatus(ctx, sw, mockdirectory.StatusInactive); err != nil {
			t.Fatal(err)
		}
		got, _ := d.Software(sw.ID)
		org, _ := d.Organisation(sw.OrgID)
		if got.Status != mockdirectory.StatusRevoked || org.Status != mockdirectory.StatusInactive {
			t.Errorf("statuses %s/%s", got.Status, org.Status)
		}
	}
}

func TestRemoteDirectoryErrorsNameEndpointAndStatus(t *testing.T) {
	ctx := context.Background()
	_, good := newRemote(t)
	sw, err := good.NewSoftware(ctx, SoftwareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srvURL := good.(*remote).base

	bad := RemoteDirectory(srvURL, "wrong", nil)
	_, err = bad.NewSoftware(ctx, SoftwareOptions{})
	var re *RemoteError
	if !errors.As(err, &re) || re.Status != http.StatusUnauthorized || !strings.Contains(err.Error(), "POST /admin/organisations: status 401") ||
		!strings.Contains(err.Error(), "invalid bearer token") {
		t.Errorf("wrong token: %v", err)
	}
	_, err = good.IssueSSA(ctx, sw, mockdirectory.SSAOptions{Break: "no-such-break"})
	if err == nil || !strings.Contains(err.Error(), "/ssa: status 400") {
		t.Errorf("bad SSA options: %v", err)
	}
	if err := good.SetSoftwareStatus(ctx, &Software{ID: "nope"}, "Revoked"); err == nil || !strings.Contains(err.Error(), "status 404") {
		t.Errorf("unknown software: %v", err)
	}
	down := RemoteDirectory("http://127.0.0.1:1", "x", nil)
	if _, err := down.IssueSSA(ctx, sw, mockdirectory.SSAOptions{}); err == nil || !strings.Contains(err.Error(), "POST /admin/software/"+sw.ID+"/ssa") {
		t.Errorf("unreachable directory: %v", err)
	}

	// An oversized answer is an error, not a truncated success.
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, remoteMaxBytes+10))
	}))
	defer big.Close()
	if _, err := RemoteDirectory(big.URL, "x", nil).IssueSSA(ctx, sw, mockdirectory.SSAOptions{}); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("oversized answer: %v", err)
	}
}
