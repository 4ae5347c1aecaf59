package embedded

import (
	"context"
	"testing"

	"github.com/dcrconform/dcrconform/harness/target"
)

// A shared embedded default is reachable from a target built by Connect: software minted through the
// directory's admin API, token expiry through the control endpoint; a wrong token is refused by both.
func TestConnectToASharedEnvironment(t *testing.T) {
	opts := Options{AdminToken: "shared-test-token"}
	env, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	sh, err := env.Share(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tgt, err := Connect(ctx, sh, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.Discover(ctx); err != nil {
		t.Fatalf("discovery through the shared CA bundle: %v", err)
	}
	sw, err := tgt.Directory.NewSoftware(ctx, target.SoftwareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Directory.Credentials(sw.ID); err != nil {
		t.Errorf("software %s minted from the child is not in the parent's directory: %v", sw.ID, err)
	}
	if err := tgt.ExpireTokens("some-client"); err != nil {
		t.Errorf("expiring tokens through the control endpoint: %v", err)
	}

	bad := sh
	bad.Token = "wrong"
	badTgt, err := Connect(ctx, bad, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := badTgt.ExpireTokens("some-client"); err == nil {
		t.Error("the control endpoint accepted a wrong token")
	}
	if _, err := badTgt.Directory.NewSoftware(ctx, target.SoftwareOptions{}); err == nil {
		t.Error("the directory's admin API accepted a wrong token")
	}
	if _, err := env.Share(opts); err == nil {
		t.Error("shared twice")
	}
	if _, err := (&Env{}).Share(Options{}); err == nil {
		t.Error("shared without an admin token")
	}
}
