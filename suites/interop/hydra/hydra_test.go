// The rfc7591 profile against Ory Hydra, built from the Go module proxy at exactly hydrabuild.Version
// (cached per machine; CI builds it first with `go run ./suites/interop/cmd/hydrabuild`) and run as
// `hydra serve all --dev` on loopback with its in-memory database and dynamic client registration on.
// Its known deviations are ../testdata/deviations/hydra.yaml.
package hydra_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/suites/interop"
	"github.com/dcrconform/dcrconform/suites/interop/hydrabuild"
)

var server = interop.Server{
	Key: "hydra", Name: "Ory Hydra", Version: hydrabuild.Version,
	Setup: "`" + hydrabuild.Module + "@" + hydrabuild.Version + "` from the Go module proxy, built once per machine into the user cache folder " +
		"(`go run ./suites/interop/cmd/hydrabuild`), run as `hydra serve all --dev` on loopback over HTTP with `DSN=memory` and " +
		"`oidc.dynamic_client_registration.enabled=true`; no initial access token. Config: " +
		"[fixtures/examples/hydra.yaml](../../fixtures/examples/hydra.yaml) (Hydra's discovery names no registration endpoint: " +
		"`target.registration_endpoint` gives it).",
}

// startHydra runs Hydra and returns its public base URL.
func startHydra(t *testing.T) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	bin, err := hydrabuild.Binary(ctx, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 24)
	_, _ = rand.Read(secret)
	public, admin := interop.FreePort(t), interop.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", public)
	cmd := exec.Command(bin, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"SERVE_PUBLIC_HOST=127.0.0.1", fmt.Sprintf("SERVE_PUBLIC_PORT=%d", public),
		"SERVE_ADMIN_HOST=127.0.0.1", fmt.Sprintf("SERVE_ADMIN_PORT=%d", admin),
		"URLS_SELF_ISSUER="+base,
		"OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true",
		"SECRETS_SYSTEM="+hex.EncodeToString(secret),
		"SQA_OPT_OUT=true", // no usage statistics sent anywhere
		"LOG_LEVEL=warn",
	)
	interop.Start(t, cmd)
	interop.WaitReady(t, base+"/health/ready", time.Minute)
	return base
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }

func TestRFC7591AgainstHydra(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a real third-party server); go test -short leaves it out")
	}
	base := startHydra(t)
	interop.RunAndCheck(t, server, interop.Example(t, "hydra", "http://127.0.0.1:4444", base))
}
