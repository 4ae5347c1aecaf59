package container

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// The mock directory in a run's network.
const (
	DefaultDirectoryImage = "dcrconform-directory:latest"
	DirectoryAlias        = "directory" // its host name in the run's network
	directoryPort         = "8080/tcp"
	// DirectoryInternalURL is the directory's base URL inside the run's network: SSAs name key sets under
	// it, and the target fetches them and /ca.pem from it.
	DirectoryInternalURL = "http://" + DirectoryAlias + ":8080"
)

// Directory is the mock directory running in a container.
type Directory struct {
	*Target
	URL         string // from this machine: http://127.0.0.1:<port>, for the admin API
	InternalURL string // from the run's network: DirectoryInternalURL
	AdminToken  string
}

// StartDirectory starts the mock directory image (DefaultDirectoryImage when image is empty) on nw
// under the alias "directory", with a fresh admin token, and waits for /healthz. opts apply after the
// directory's own settings.
func StartDirectory(ctx context.Context, nw *Network, image string, opts ...Option) (*Directory, error) {
	if image == "" {
		image = DefaultDirectoryImage
	}
	token := NewRunID() + NewRunID()
	s := defaults()
	s.role = "directory"
	s.runID = nw.RunID
	s.network, s.aliases = nw, []string{DirectoryAlias}
	s.port = directoryPort
	s.env["DCRCONFORM_ADMIN_TOKEN"] = token
	s.cmd = []string{"--addr", "0.0.0.0:8080", "--base-url", DirectoryInternalURL, "--log-level", "warn"}
	s.ready = Readiness{Path: "/healthz", PlainHTTP: true, Timeout: 30 * time.Second}
	for _, o := range opts {
		o(s)
	}
	t, err := run(ctx, image, s)
	if err != nil {
		return nil, fmt.Errorf("mock directory: %w", err)
	}
	return &Directory{Target: t, URL: fmt.Sprintf("http://%s:%d", t.Host, t.Port), InternalURL: DirectoryInternalURL, AdminToken: token}, nil
}

// Adapter mints software identities and SSAs through the directory's admin API.
func (d *Directory) Adapter() target.Directory {
	return target.RemoteDirectory(d.URL, d.AdminToken, &http.Client{})
}

// CABundle fetches the directory's CA bundle (/ca.pem): what the target trusts for transport certificates.
func (d *Directory) CABundle(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	url := d.URL + mockdirectory.CABundlePath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mock directory CA bundle: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("mock directory CA bundle %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mock directory CA bundle %s: status %d", url, resp.StatusCode)
	}
	return b, nil
}
