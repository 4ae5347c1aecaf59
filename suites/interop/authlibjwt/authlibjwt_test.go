// The rfc7591 profile against the Authlib app of ../authlib again, with private_key_jwt clients
// (overrides.token_endpoint_auth_method): a package of its own, since Ginkgo runs one suite per
// process. Its known deviations are ../testdata/deviations/authlib-private-key-jwt.yaml.
package authlibjwt_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/suites/interop"
)

var server = interop.Server{
	Key: "authlib-private-key-jwt", Name: "Authlib",
	Setup: "The Authlib app above, with clients registered for `private_key_jwt` (a key each, its public half as `jwks`). " +
		"Config: [fixtures/examples/authlib-private-key-jwt.yaml](../../fixtures/examples/authlib-private-key-jwt.yaml).",
}

func TestRFC7591AgainstAuthlibPrivateKeyJWT(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a real third-party server); go test -short leaves it out")
	}
	out, err := exec.Command("/usr/bin/python3", "-c", "import authlib, flask; print(authlib.__version__)").CombinedOutput()
	if err != nil {
		t.Fatalf("/usr/bin/python3 cannot import authlib and flask (apt-get install python3-authlib python3-flask): %v\n%s", err, out)
	}
	server.Version = strings.TrimSpace(string(out)) + ", private_key_jwt"
	port := interop.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command("/usr/bin/python3", "../testdata/authlib_app.py", "--port", fmt.Sprint(port), "--initial-access-token", "authlib-initial-access-token")
	stdin, err := cmd.StdinPipe() // the app exits when it closes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close() })
	interop.Start(t, cmd)
	interop.WaitReady(t, base+"/.well-known/oauth-authorization-server", 30*time.Second)
	interop.RunAndCheck(t, server, interop.Example(t, "authlib-private-key-jwt", "http://127.0.0.1:5000", base))
}
