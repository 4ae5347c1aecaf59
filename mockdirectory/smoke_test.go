package mockdirectory

import (
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

func TestSmoke(t *testing.T) {
	f := sharedFixture(t)
	ssa, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set, body := fetchSet(t, f.srv.URL, DirectoryJWKSPath)
	t.Logf("%s", body[:200])
	claims, hdr, err := joseutil.Verify(ssa, set, []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(hdr.KeyID, claims["software_jwks_endpoint"], claims["software_version"])
}
