package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/reports"
)

var (
	builtOnce sync.Once
	builtBin  string
	builtErr  error
)

// dcrconformBinary builds the command once per test binary, as go install does (CGO off).
func dcrconformBinary(t testing.TB) string {
	t.Helper()
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dcrconform-bin-")
		if err != nil {
			builtErr = err
			return
		}
		builtBin = filepath.Join(dir, "dcrconform")
		build := exec.Command("go", "build", "-o", builtBin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			builtErr = err
			builtBin = string(out)
		}
	})
	if builtErr != nil {
		t.Fatalf("go build: %v\n%s", builtErr, builtBin)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" && builtErr == nil {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// nextCommands are the indented "dcrconform ..." lines init printed, in order.
func nextCommands(out string) [][]string {
	var cmds [][]string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "dcrconform" && strings.HasPrefix(line, " ") {
			cmds = append(cmds, f[1:])
		}
	}
	return cmds
}

// TestInitThenRunAgainstAnExternalBank is a new user's first run: init for a UK bank with the mock
// directory, then exactly the two commands init printed: the reference bank as a separate process (started
// before any directory runs, trusting only init's exported files), and the run, configured only by init's
// config. The run must pass. Its command is also the one every CI template runs (ciRunCommand).
func TestInitThenRunAgainstAnExternalBank(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	clearBankEnv(t)
	bin := dcrconformBinary(t)
	work := t.TempDir()
	bankAddr, dirAddr := freeAddr(t), freeAddr(t)
	initCmd := exec.Command(bin, "init", "--profile", "uk", "--mock-directory", "--out", ".", "--bank-url", "https://"+bankAddr, "--directory-addr", dirAddr)
	initCmd.Dir = work
	out, err := initCmd.Output()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	cmds := nextCommands(string(out))
	if len(cmds) != 2 || cmds[0][0] != "bank" || cmds[1][0] != "run" {
		t.Fatalf("init did not print the bank and run commands:\n%s", out)
	}
	if got := "dcrconform " + strings.Join(cmds[1], " "); got != ciRunCommand {
		t.Errorf("init prints %q, the CI templates run %q", got, ciRunCommand)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bankCmd := exec.CommandContext(ctx, bin, cmds[0]...)
	bankCmd.Dir = work
	bankOut, err := bankCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var bankErr bytes.Buffer
	bankCmd.Stderr = &bankErr
	if err := bankCmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = bankCmd.Process.Signal(os.Interrupt)
		_ = bankCmd.Wait()
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(bankOut)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				ready <- sc.Text()
			}
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		if !ok {
			t.Fatalf("the bank stopped before serving: %s", bankErr.String())
		}
		t.Log(line)
	case <-time.After(30 * time.Second):
		t.Fatalf("the bank did not start within 30s: %s", bankErr.String())
	}

	runCmd := exec.CommandContext(ctx, bin, append(cmds[1], "-v=false", "--no-color")...)
	runCmd.Dir = work
	runOut, err := runCmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run against the bank, configured by init only: %v\n%s", err, lastBytes(runOut, 4000))
	}
	data, err := os.ReadFile(filepath.Join(work, "out", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if run.Summary.Failed != 0 || run.Summary.Passed < 40 || run.Target.Profile != "uk" {
		t.Errorf("run summary %+v, profile %s: want a passing UK run", run.Summary, run.Target.Profile)
	}
	t.Logf("passing run: %+v", run.Summary)
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// TestInitWritesAValidConfigForEveryProfile validates each profile's starter config with the config parser
// (every check but the files the user supplies: the bank's CA, their own certificates), with and without
// the mock directory.
func TestInitWritesAValidConfigForEveryProfile(t *testing.T) {
	for _, profile := range config.Profiles {
		for _, mock := range []bool{false, true} {
			if mock && profile == "rfc7591" {
				continue
			}
			dir := t.TempDir()
			args := []string{"--profile", profile, "--out", dir}
			if mock {
				args = append(args, "--mock-directory")
			}
			var stdout, stderr bytes.Buffer
			if code := runInit(args, &stdout, &stderr); code != exitOK {
				t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
			}
			data, err := os.ReadFile(filepath.Join(dir, initConfigFile))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(data)
			if err != nil {
				t.Errorf("%v: the starter config is not valid: %v", args, err)
				continue
			}
			if cfg.Profile != profile || (cfg.Directory != nil) != mock {
				t.Errorf("%v: profile %s, directory %v", args, cfg.Profile, cfg.Directory)
			}
			if n := len(nextCommands(stdout.String())); n != 1+btoi(mock) {
				t.Errorf("%v: %d dcrconform commands printed:\n%s", args, n, stdout.String())
			}
			if !strings.Contains(stdout.String(), "run --config "+filepath.Join(dir, initConfigFile)) {
				t.Errorf("%v: the run command is missing:\n%s", args, stdout.String())
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestInitExportsTrustThatMatchesTheDirectory checks that the exported files are what the directory
// serves from its state when a run starts it, and that init again (--force) keeps them.
func TestInitExportsTrustThatMatchesTheDirectory(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runInit([]string{"--profile", "cdr", "--mock-directory", "--out", dir}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, initTrustDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ca, uk, cdr := read(trustCAFile), read(trustUKJWKS), read(trustCDRJWKS)
	for _, name := range []string{trustEnvFile, trustReadme, "../" + initConfigFile} {
		if b := read(name); bytes.Contains(b, []byte(dir)) || bytes.Contains(b, []byte("=/")) {
			t.Errorf("%s holds an absolute path:\n%s", name, b)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, initConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := mockdirectory.New(mockdirectory.Config{StateDir: filepath.Join(dir, cfg.Directory.State)}) // as a run loads it
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.CABundlePEM(), ca) {
		t.Error("the directory a run starts serves another CA bundle than init exported")
	}
	for path, file := range map[string][]byte{mockdirectory.DirectoryJWKSPath: uk, mockdirectory.CDRJWKSPath: cdr} {
		set, err := d.KeySet(path)
		if err != nil {
			t.Fatal(err)
		}
		var exported struct {
			Keys []struct {
				KID string `json:"kid"`
			} `json:"keys"`
		}
		if err := json.Unmarshal(file, &exported); err != nil {
			t.Fatal(err)
		}
		if len(exported.Keys) == 0 || len(exported.Keys) != len(set.Keys) {
			t.Fatalf("%s: exported %d keys, the directory serves %d", path, len(exported.Keys), len(set.Keys))
		}
		for i, k := range set.Keys {
			if exported.Keys[i].KID != k.KeyID {
				t.Errorf("%s: key %d is %s, the directory serves %s", path, i, exported.Keys[i].KID, k.KeyID)
			}
		}
	}
	if err := d.Close(); err != nil { // the state's lock
		t.Fatal(err)
	}
	if code := runInit([]string{"--profile", "cdr", "--mock-directory", "--out", dir}, &stdout, &stderr); code != exitFailed || !strings.Contains(stderr.String(), "--force") {
		t.Errorf("init over an existing config: exit %d, %s", code, stderr.String())
	}
	if code := runInit([]string{"--profile", "cdr", "--mock-directory", "--out", dir, "--force"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("init --force: exit %d: %s", code, stderr.String())
	}
	if !bytes.Equal(read(trustCAFile), ca) || !bytes.Equal(read(trustCDRJWKS), cdr) {
		t.Error("init again replaced the trust material: a bank set up from the first would fail")
	}
}

func TestInitUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--profile is required"},
		{[]string{"--profile", "fapi"}, `"fapi" is not one of`},
		{[]string{"--profile", "rfc7591", "--mock-directory"}, "no software statement"},
		{[]string{"--profile", "uk", "--bank-url", "http://bank.example"}, "--bank-url"},
		{[]string{"--profile", "uk", "--mock-directory", "--directory-addr", "nonsense"}, "--directory-addr"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runInit(append(c.args, "--out", t.TempDir()), &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), c.want) || !strings.Contains(stderr.String(), "Usage:") {
			t.Errorf("%v: exit %d, stderr %q, want %q and the usage", c.args, code, stderr.String(), c.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"out/run.json": "out/run.json", "my bank/x.yaml": "'my bank/x.yaml'", "it's": `'it'\''s'`, "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
