package mockdirectory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// store keeps the directory's state as files under a directory. Every write is atomic (temporary file in
// the same directory, fsync, rename, fsync of the directory), and writes that depend on each other are
// ordered so that the file that refers to others (a JSON record, keys/index.json, ca/root.pem) is written
// last: a kill at any point leaves either the old or the new state, plus unreferenced files and leftover
// temporary files, both ignored (and the latter removed) on load.
type store struct {
	dir    string
	closed bool // set by Directory.Close (under Directory.mu, which every write holds)
}

// errClosed is the error of a change to a closed directory.
var errClosed = errors.New("state: the directory is closed")

const tmpMarker = ".tmp-"

// writeFile writes data to rel atomically.
func (s *store) writeFile(rel string, data []byte, perm os.FileMode) (err error) {
	if s.closed {
		return errClosed
	}
	path := filepath.Join(s.dir, filepath.FromSlash(rel))
	dir := filepath.Dir(path)
	if err := ensureDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tmpMarker+"*")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("state: write %s: %w", rel, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("state: chmod %s: %w", rel, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("state: sync %s: %w", rel, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("state: close %s: %w", rel, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("state: rename %s: %w", rel, err)
	}
	return syncDir(dir)
}

// ensureDir creates dir and its missing parents, syncing each parent so that the new entries are durable.
func ensureDir(dir string) error {
	if st, err := os.Stat(dir); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("state: %s is not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := ensureDir(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("state: %w", err)
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("state: sync dir %s: %w", dir, err)
	}
	return nil
}

func (s *store) readFile(rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(rel)))
}

func (s *store) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(s.dir, filepath.FromSlash(rel)))
	return err == nil
}

// remove deletes rel; a missing file is not an error.
func (s *store) remove(rel string) error {
	if s.closed {
		return errClosed
	}
	err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(rel)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// removeAll deletes the folder rel and what it holds; a missing folder is not an error.
func (s *store) removeAll(rel string) error {
	if s.closed {
		return errClosed
	}
	if err := os.RemoveAll(filepath.Join(s.dir, filepath.FromSlash(rel))); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// listDirs returns the names of the folders in rel.
func (s *store) listDirs(rel string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// list returns the names of the regular files in rel ending with suffix, skipping temporary files.
func (s *store) list(rel, suffix string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(n, suffix) && !isTemp(n) {
			names = append(names, n)
		}
	}
	return names, nil
}

func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tmpMarker)
}

// removeTemps deletes temporary files left by a write that was interrupted.
func (s *store) removeTemps() error {
	return filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && isTemp(d.Name()) {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("state: remove leftover %s: %w", path, err)
			}
		}
		return nil
	})
}
