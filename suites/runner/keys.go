package runner

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/dcrconform/dcrconform/harness/keycache"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// DirectoryKeyPoolFile is the file in a config's directory state folder that keeps the shared key pool
// of its software identities across runs: at most 2 × keypool.DefaultPairs RSA keys (mode 0600).
const DirectoryKeyPoolFile = "software-key-pool.pem"

// ownKeysAhead is how many keys of their own (a second software, a rogue key) a configured directory's
// run generates ahead in the background: what a UK run takes (the two of a second RSA software, UK-PUT-N07,
// and of revoked software, UK-REG-N23, and two rogue keys).
const ownKeysAhead = 6

// configuredDirectoryKeys gives a config's directory: block what the embedded default has: software
// identities created ahead, sharing the key pairs of a small pool. The pool is kept in the state folder
// (when persist and the config names one), so that only a first run generates it, on every core while
// discovery and the positive control run. Keys of their own (target.SoftwareOptions.OwnKeys, rogue keys)
// are generated fresh in every run, a few ahead: the bank keeps what it has seen, so they are never
// reused. stop ends the prefetching and writes the pool back.
func configuredDirectoryKeys(dir *mockdirectory.Directory, state string, persist bool, stderr io.Writer) (target.Directory, func()) {
	path := ""
	if persist && state != "" {
		path = filepath.Join(state, DirectoryKeyPoolFile)
	}
	pool := keycache.Open(path, 2*keypool.DefaultPairs)
	own := keycache.Open("", ownKeysAhead)
	pki.SetRSAKeySource(own.RSAKey)
	prefetching, stopPrefetch := target.PrefetchingDirectory(dir, 2, keypool.StartShared(keypool.DefaultPairs, pool.RSAKey))
	return prefetching, func() {
		stopPrefetch()
		pki.SetRSAKeySource(nil)
		_ = own.Close()
		if err := pool.Close(); err != nil {
			fmt.Fprintf(stderr, "dcrconform: directory key pool not written: %v\n", err)
		}
	}
}
