package mockdirectory

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// LockFile is the file under Config.StateDir that a running directory holds an exclusive lock on (flock),
// naming its holder: one directory per state directory, since two would overwrite each other's records.
const LockFile = "directory.lock"

// LockHolder is what the lock file says about the directory holding it.
type LockHolder struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	StartedAt time.Time `json:"started_at"`
}

func (h LockHolder) String() string {
	return fmt.Sprintf("pid %d on host %s, started %s", h.PID, h.Host, h.StartedAt.UTC().Format(time.RFC3339))
}

// StateLockedError is New's error when another directory holds the state directory's lock.
type StateLockedError struct {
	Dir    string
	Holder *LockHolder // nil when the lock file names no holder (yet)
}

func (e *StateLockedError) Error() string {
	who := "another directory (the lock file names no holder)"
	if e.Holder != nil {
		who = "another directory: " + e.Holder.String()
	}
	return fmt.Sprintf("state %s is in use by %s; stop it, or give this directory another state folder", e.Dir, who)
}

// errLockBusy is returned by tryLock when another open file holds the lock.
var errLockBusy = errors.New("lock held")

// stateLock is a held lock on a state directory.
type stateLock struct{ f *os.File }

// lockState takes the state directory's lock without waiting and records this process as its holder.
func lockState(dir string, now time.Time) (*stateLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	if err := tryLock(f); err != nil {
		_ = f.Close()
		if errors.Is(err, errLockBusy) {
			return nil, &StateLockedError{Dir: dir, Holder: readHolder(path)}
		}
		return nil, fmt.Errorf("state: lock %s: %w", path, err)
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(LockHolder{PID: os.Getpid(), Host: host, StartedAt: now.UTC()})
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(b, '\n'), 0)
		if err == nil {
			err = f.Sync()
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("state: write %s: %w", path, err)
	}
	return &stateLock{f: f}, nil
}

// readHolder reads the holder a lock file names, giving a holder that has just taken the lock a moment
// to write it.
func readHolder(path string) *LockHolder {
	for i := 0; i < 10; i++ {
		b, err := os.ReadFile(path)
		var h LockHolder
		if err == nil && json.Unmarshal(b, &h) == nil && h.PID != 0 {
			return &h
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// release empties the lock file and releases the lock (closing the file releases it).
func (l *stateLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close()
	l.f = nil
	return err
}
