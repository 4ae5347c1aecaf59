//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package mockdirectory

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The directory child process of TestKillDuringAdminWrites: the test binary run again with these set.
const (
	childEnv      = "DCRCONFORM_TEST_DIRECTORY_CHILD"
	childStateEnv = "DCRCONFORM_TEST_DIRECTORY_STATE"
)

// TestDirectoryChildProcess is not a test: run with childEnv set, it serves a directory on the state of
// childStateEnv until killed, printing "READY <base URL>".
func TestDirectoryChildProcess(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the directory child process of TestKillDuringAdminWrites")
	}
	err := Serve(context.Background(), ServeOptions{
		Addr: "127.0.0.1:0", StateDir: os.Getenv(childStateEnv), AdminToken: testToken,
		Ready: func(_ *Directory, base string) { fmt.Printf("READY %s\n", base) },
	})
	fmt.Printf("SERVE ENDED %v\n", err)
	os.Exit(3)
}

type directoryChild struct {
	cmd  *exec.Cmd
	base string
}

func startDirectoryChild(t *testing.T, state string) *directoryChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDirectoryChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1", childStateEnv+"="+state)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if base, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- base
			}
		}
		close(ready)
	}()
	select {
	case base, ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("directory child ended before it was ready: %v", cmd.ProcessState)
		}
		return &directoryChild{cmd: cmd, base: base}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("directory child not ready within 60s")
	}
	return nil
}

// acked records the admin writes the directory answered 2xx.
type acked struct {
	mu       sync.Mutex
	orgs     map[string]string // id -> status it must have ("" = a change was sent but not answered)
	sws      map[string]string // id -> organisation id
	revoked  map[string]string // software id -> kid that must be revoked
	rotated  []string          // directory kids that must be published
	orgOrder []string
	n        atomic.Int64
}

// TestKillDuringAdminWrites (issue 13, item 3): a directory child process is killed with SIGKILL in the
// middle of a bounded stream of concurrent admin writes (creates, status changes, key revocations and
// rotations), three times on the same state; after each kill every write answered 2xx is there and the
// state loads (and while the child runs, a directory here is refused, naming the child).
func TestKillDuringAdminWrites(t *testing.T) {
	state := t.TempDir()
	a := &acked{orgs: map[string]string{}, sws: map[string]string{}, revoked: map[string]string{}}
	client := &http.Client{Timeout: 10 * time.Second}
	for round := 0; round < 3; round++ {
		child := startDirectoryChild(t, state)
		if round == 0 {
			var le *StateLockedError
			if _, err := New(Config{StateDir: state}); !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != child.cmd.Process.Pid {
				t.Errorf("a directory beside the running child: %v, want the lock naming pid %d", err, child.cmd.Process.Pid)
			}
		}
		killAt := int64(15 + rand.IntN(40)) // acknowledged writes in this round before the kill
		start := a.n.Load()
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				writeStream(client, child.base, a, w, 40) // stops at the first transport error
			}()
		}
		deadline := time.Now().Add(20 * time.Second)
		for a.n.Load()-start < killAt && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if err := child.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		_ = child.cmd.Wait()
		if ws, ok := child.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: the child did not die of SIGKILL: %v", round, child.cmd.ProcessState)
		}
		t.Logf("round %d: killed after %d acknowledged writes (%d in all)", round, a.n.Load()-start, a.n.Load())
		if a.n.Load()-start < 5 {
			t.Fatalf("round %d: only %d writes acknowledged before the kill", round, a.n.Load()-start)
		}
		checkAcked(t, state, a, round)
	}
}

// writeStream sends up to n admin writes; each one answered 2xx is recorded in a.
func writeStream(c *http.Client, base string, a *acked, worker, n int) {
	var mine []string // organisations this worker created (only it changes their status)
	var mySW []string
	post := func(method, path, body string, out any) (int, error) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if res.StatusCode/100 == 2 && out != nil {
			if err := json.NewDecoder(res.Body).Decode(out); err != nil {
				return 0, err // a cut-off body: not an acknowledgement
			}
		}
		return res.StatusCode, nil
	}
	for i := 0; i < n; i++ {
		var err error
		var status int
		switch {
		case len(mine) == 0 || i%5 == 0:
			var o Organisation
			if status, err = post("POST", "/admin/organisations", fmt.Sprintf(`{"name":"kill w%d i%d"}`, worker, i), &o); err == nil && status == 201 {
				a.mu.Lock()
				a.orgs[o.ID], a.orgOrder = StatusActive, append(a.orgOrder, o.ID)
				a.mu.Unlock()
				mine = append(mine, o.ID)
			}
		case i%5 == 1:
			org := mine[len(mine)-1]
			var s Software
			if status, err = post("POST", "/admin/organisations/"+org+"/software", fmt.Sprintf(`{"client_name":"kill w%d i%d","key_type":"EC"}`, worker, i), &s); err == nil && status == 201 {
				a.mu.Lock()
				a.sws[s.ID] = org
				a.mu.Unlock()
				mySW = append(mySW, s.ID)
			}
		case i%5 == 2 && len(mine) > 1:
			org := mine[0] // each organisation's status is changed once, by its creator
			mine = mine[1:]
			a.mu.Lock()
			a.orgs[org] = "" // sent: either status, unless answered
			a.mu.Unlock()
			if status, err = post("PATCH", "/admin/organisations/"+org+"/status", `{"status":"Withdrawn"}`, &Organisation{}); err == nil && status == 200 {
				a.mu.Lock()
				a.orgs[org] = StatusWithdrawn
				a.mu.Unlock()
			}
		case i%5 == 3 && len(mySW) > 0:
			sw := mySW[0]
			mySW = mySW[1:]
			var keys struct{ Keys []KeyInfo }
			if status, err = post("GET", "/admin/software/"+sw+"/keys", "", &keys); err != nil || status != 200 || len(keys.Keys) == 0 {
				break
			}
			kid := keys.Keys[0].KeyID
			if status, err = post("POST", "/admin/software/"+sw+"/keys/"+kid+"/revoke", "", &keys); err == nil && status == 200 {
				a.mu.Lock()
				a.revoked[sw] = kid
				a.mu.Unlock()
			}
		case worker == 0:
			var rot struct{ Kid string }
			if status, err = post("POST", "/admin/keys/rotate", `{"alg":"ES256"}`, &rot); err == nil && status == 201 {
				a.mu.Lock()
				a.rotated = append(a.rotated, rot.Kid)
				a.mu.Unlock()
			}
		default:
			continue
		}
		if err != nil {
			return // the directory is gone
		}
		if status/100 == 2 {
			a.n.Add(1)
		}
	}
}

// checkAcked loads the state and checks every acknowledged write.
func checkAcked(t *testing.T, state string, a *acked, round int) {
	t.Helper()
	d, err := New(Config{StateDir: state})
	if err != nil {
		t.Fatalf("round %d: the state does not load after SIGKILL: %v", round, err)
	}
	defer d.Close()
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, status := range a.orgs {
		o, err := d.Organisation(id)
		if err != nil {
			t.Errorf("round %d: acknowledged organisation %s lost: %v", round, id, err)
		} else if status != "" && o.Status != status {
			t.Errorf("round %d: organisation %s has status %s, acknowledged %s", round, id, o.Status, status)
		}
	}
	for id, org := range a.sws {
		s, err := d.Software(id)
		if err != nil || s.OrgID != org {
			t.Errorf("round %d: acknowledged software %s lost: %+v %v", round, id, s, err)
			continue
		}
		if _, err := d.Credentials(id); err != nil {
			t.Errorf("round %d: software %s has no credentials: %v", round, id, err)
		}
	}
	for sw, kid := range a.revoked {
		keys, err := d.SoftwareKeys(sw)
		found := false
		for _, k := range keys {
			found = found || (k.KeyID == kid && k.Status == keyRevoked)
		}
		if err != nil || !found {
			t.Errorf("round %d: acknowledged revocation of %s's key %s lost: %v", round, sw, kid, err)
		}
	}
	for _, kid := range a.rotated {
		if !hasKid(d.JWKS(), kid) {
			t.Errorf("round %d: acknowledged directory key %s lost", round, kid)
		}
	}
	if len(a.orgs) == 0 || len(a.sws) == 0 {
		t.Errorf("round %d: the stream acknowledged %d organisations and %d software: too few to tell", round, len(a.orgs), len(a.sws))
	}
}
