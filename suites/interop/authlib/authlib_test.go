// The rfc7591 profile against Authlib (Debian's python3-authlib and python3-flask, run by
// /usr/bin/python3), behind ../testdata/authlib_app.py: a small Flask app of ours on Authlib's own
// RFC 7591 and RFC 7592 endpoint classes, with client_credentials for client_secret_basic and
// private_key_jwt clients and an initial access token. Its known deviations are
// ../testdata/deviations/authlib.yaml.
package authlib_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/suites/interop"
)

const (
	python             = "/usr/bin/python3"
	initialAccessToken = "authlib-initial-access-token"
)

var server = interop.Server{
	Key: "authlib", Name: "Authlib",
	Setup: "Debian's `python3-authlib` and `python3-flask`, run by `/usr/bin/python3` behind " +
		"[suites/interop/testdata/authlib_app.py](../../suites/interop/testdata/authlib_app.py), a Flask app on Authlib's own " +
		"`ClientRegistrationEndpoint` and `ClientConfigurationEndpoint`, on loopback over HTTP: client_credentials " +
		"with client_secret_basic or private_key_jwt, an initial access token, scopes `read` and `write`. " +
		"Config: [fixtures/examples/authlib.yaml](../../fixtures/examples/authlib.yaml).",
}

// authlibVersion is the installed Authlib's version; the test fails without Authlib and Flask (CI
// installs them: apt-get install python3-authlib python3-flask).
func authlibVersion(t *testing.T) string {
	out, err := exec.Command(python, "-c", "import authlib, flask; print(authlib.__version__)").CombinedOutput()
	if err != nil {
		t.Fatalf("%s cannot import authlib and flask (apt-get install python3-authlib python3-flask): %v\n%s", python, err, out)
	}
	return strings.TrimSpace(string(out))
}

// startApp serves authlib_app.py on a free loopback port and returns its base URL.
func startApp(t *testing.T) string {
	t.Helper()
	port := interop.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(python, "../testdata/authlib_app.py", "--port", fmt.Sprint(port), "--initial-access-token", initialAccessToken)
	stdin, err := cmd.StdinPipe() // the app exits when it closes, with the test process at the latest
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close() })
	interop.Start(t, cmd)
	interop.WaitReady(t, base+"/.well-known/oauth-authorization-server", 30*time.Second)
	return base
}

func TestRFC7591AgainstAuthlib(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a real third-party server); go test -short leaves it out")
	}
	server.Version = authlibVersion(t)
	base := startApp(t)
	interop.RunAndCheck(t, server, interop.Example(t, "authlib", "http://127.0.0.1:5000", base))
}
