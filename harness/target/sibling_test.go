package target

import (
	"context"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// A sibling is another software of the same organisation, in process and through the admin API: its
// key is in the organisation's key set, never in the first software's.
func TestSiblingSoftwareSharesTheOrganisation(t *testing.T) {
	ctx := context.Background()
	d, remoteDir := newRemote(t)
	for name, dir := range map[string]Directory{"in-process": InProcessDirectory(d), "remote": remoteDir} {
		t.Run(name, func(t *testing.T) {
			sw, err := dir.NewSoftware(ctx, SoftwareOptions{KeyType: mockdirectory.KeyTypeEC})
			if err != nil {
				t.Fatal(err)
			}
			sibling, err := dir.NewSoftware(ctx, SoftwareOptions{KeyType: mockdirectory.KeyTypeEC, SiblingOf: sw})
			if err != nil {
				t.Fatal(err)
			}
			if sibling.OrgID != sw.OrgID || sibling.ID == sw.ID {
				t.Fatalf("sibling %s of org %s; software %s of org %s", sibling.ID, sibling.OrgID, sw.ID, sw.OrgID)
			}
			other, err := dir.NewSoftware(ctx, SoftwareOptions{KeyType: mockdirectory.KeyTypeEC})
			if err != nil {
				t.Fatal(err)
			}
			if other.OrgID == sw.OrgID {
				t.Errorf("a software without SiblingOf shares organisation %s", sw.OrgID)
			}
			jwt, err := joseutil.Sign(map[string]any{"iss": sibling.ID}, sibling.SigningKey, "JWT")
			if err != nil {
				t.Fatal(err)
			}
			algs := []jose.SignatureAlgorithm{jose.ES256}
			orgSet, err := d.KeySet(mockdirectory.OrgJWKSPath(sw.OrgID))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := joseutil.Verify(jwt, orgSet, algs); err != nil {
				t.Errorf("the sibling's key is not in the organisation's key set: %v", err)
			}
			swSet, err := d.KeySet(mockdirectory.SoftwareJWKSPath(sw.OrgID, sw.ID))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := joseutil.Verify(jwt, swSet, algs); err == nil {
				t.Error("the sibling's key verifies against the first software's key set")
			}
		})
	}
}
