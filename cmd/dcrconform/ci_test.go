package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const ciDir = "../../fixtures/ci"

// ciRunCommand is the command every CI template runs: the one init prints for --out . , which
// TestInitThenRunAgainstAnExternalBank runs against the reference bank.
const ciRunCommand = "dcrconform run --config dcrconform.yaml --junit out/junit.xml --json out/run.json --html out/report.html"

func readCI(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ciDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseYAML(t *testing.T, name string, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s does not parse as YAML: %v", name, err)
	}
	return m
}

// get walks maps and lists: get(m, "jobs", "dcrconform", "steps").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// flagValue is the value after --name in a command line.
func flagValue(cmd, name string) string {
	f := strings.Fields(cmd)
	if i := slices.Index(f, "--"+name); i >= 0 && i+1 < len(f) {
		return f[i+1]
	}
	return ""
}

// TestCITemplates parses each CI template and checks that it runs ciRunCommand, publishes its JUnit
// report in the CI's test view and keeps its HTML report.
func TestCITemplates(t *testing.T) {
	junit, html := flagValue(ciRunCommand, "junit"), flagValue(ciRunCommand, "html")

	gh := parseYAML(t, "github-actions.yml", readCI(t, "github-actions.yml"))
	var ghRun, ghJUnit string
	var ghArtifact any
	steps, _ := get(gh, "jobs", "dcrconform", "steps").([]any)
	for _, s := range steps {
		if run, _ := get(s, "run").(string); strings.HasPrefix(run, "dcrconform run") {
			ghRun = run
		}
		uses, _ := get(s, "uses").(string)
		switch {
		case strings.HasPrefix(uses, "mikepenz/action-junit-report@"):
			ghJUnit, _ = get(s, "with", "report_paths").(string)
		case strings.HasPrefix(uses, "actions/upload-artifact@"):
			ghArtifact = get(s, "with", "path")
		}
	}
	if ghRun != ciRunCommand || ghJUnit != junit || !strings.Contains(toString(ghArtifact), html) {
		t.Errorf("github-actions.yml: run %q, JUnit %q, artifact %v", ghRun, ghJUnit, ghArtifact)
	}

	gl := parseYAML(t, "gitlab-ci.yml", readCI(t, "gitlab-ci.yml"))
	var glRun string
	script, _ := get(gl, "dcrconform", "script").([]any)
	for _, line := range script {
		if s, _ := line.(string); strings.HasPrefix(s, "dcrconform run") {
			glRun = s
		}
	}
	if glRun != ciRunCommand || get(gl, "dcrconform", "artifacts", "reports", "junit") != junit ||
		get(gl, "dcrconform", "artifacts", "when") != "always" || !strings.Contains(toString(get(gl, "dcrconform", "artifacts", "paths")), html) {
		t.Errorf("gitlab-ci.yml: run %q, artifacts %v", glRun, get(gl, "dcrconform", "artifacts"))
	}

	jf := string(readCI(t, "Jenkinsfile"))
	m := regexp.MustCompile(`sh '[^']*?(dcrconform run [^']+)'`).FindStringSubmatch(jf)
	if m == nil || m[1] != ciRunCommand {
		t.Errorf("Jenkinsfile runs %v, want %q", m, ciRunCommand)
	}
	if !strings.Contains(jf, "junit testResults: '"+junit+"'") || !regexp.MustCompile(`archiveArtifacts artifacts: '[^']*`+regexp.QuoteMeta(html)).MatchString(jf) {
		t.Error("Jenkinsfile does not publish the JUnit report or archive the HTML report")
	}
	if strings.Count(jf, "{") != strings.Count(jf, "}") {
		t.Error("Jenkinsfile: unbalanced braces")
	}
}

// TestFanOutTemplates parses the CI matrix and Kubernetes examples and checks that every dcrconform
// command in them uses only flags the command has.
func TestFanOutTemplates(t *testing.T) {
	flagsOf := func(cmd ...string) string {
		var out, errb bytes.Buffer
		dispatch(append(cmd, "-h"), &out, &errb)
		return out.String()
	}
	known := map[string]string{"run": flagsOf("run"), "report": flagsOf("report")}
	check := func(where string, args []string) {
		t.Helper()
		if len(args) == 0 || known[args[0]] == "" {
			t.Errorf("%s: %v is not a run or report command", where, args)
			return
		}
		for _, a := range args[1:] {
			if name, ok := strings.CutPrefix(a, "-"); ok {
				name, _, _ = strings.Cut(strings.TrimPrefix(name, "-"), "=")
				if !strings.Contains(known[args[0]], "\n  -"+name+" ") && !strings.Contains(known[args[0]], "\n  -"+name+"\n") && !strings.Contains(known[args[0]], "\n  -"+name+"\t") {
					t.Errorf("%s: dcrconform %s has no flag -%s", where, args[0], name)
				}
			}
		}
	}

	gh := parseYAML(t, "github-actions-matrix.yml", readCI(t, "github-actions-matrix.yml"))
	n := 0
	for _, job := range []string{"run", "gather"} {
		steps, _ := get(gh, "jobs", job, "steps").([]any)
		for _, s := range steps {
			run, _ := get(s, "run").(string)
			for _, line := range strings.Split(run, "\n") {
				line = regexp.MustCompile(`\$\([^)]*\)`).ReplaceAllString(line, "--in records.json") // the shell's list of --in FILE
				if f := strings.Fields(line); len(f) > 1 && f[0] == "dcrconform" {
					check("github-actions-matrix.yml "+job, f[1:])
					n++
				}
			}
		}
	}
	if n != 2 {
		t.Errorf("github-actions-matrix.yml: %d dcrconform commands, want run and report", n)
	}

	docs := strings.Split(string(readCI(t, "kubernetes-jobs.yaml")), "\n---\n")
	var kinds []string
	for i, doc := range docs {
		m := parseYAML(t, "kubernetes-jobs.yaml", []byte(doc))
		kinds = append(kinds, toString(m["kind"]))
		if m["kind"] != "Job" {
			continue
		}
		var args []string
		for _, a := range get(m, "spec", "template", "spec", "containers", 0, "args").([]any) {
			args = append(args, a.(string))
		}
		check("kubernetes-jobs.yaml document "+string(rune('1'+i)), args)
	}
	if strings.Join(kinds, ",") != "PersistentVolumeClaim,Job,Job" {
		t.Errorf("kubernetes-jobs.yaml kinds %v", kinds)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, toString(e))
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// TestInstallLinesWork keeps every install line of the README and the CI templates one that works: the
// module is not published, so `go install …@latest` fails; the binary is built from a checkout (`make
// build`, `go install ./cmd/dcrconform`). Outside -short it runs `go install ./cmd/dcrconform` and checks
// `make build` resolves, in this checkout.
func TestInstallLinesWork(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"README.md": readme}
	for _, name := range []string{"github-actions.yml", "github-actions-matrix.yml", "gitlab-ci.yml", "Jenkinsfile", "kubernetes-jobs.yaml"} {
		files[name] = readCI(t, name)
	}
	published := regexp.MustCompile(`go (install|get) [^ \n]*github\.com/|@latest`)
	for name, b := range files {
		if m := published.Find(b); m != nil {
			t.Errorf("%s: %q installs the unpublished module", name, m)
		}
	}
	for _, name := range []string{"github-actions.yml", "github-actions-matrix.yml", "gitlab-ci.yml", "Jenkinsfile"} {
		s := string(files[name])
		if !strings.Contains(s, "make -C .dcrconform build") || !strings.Contains(s, ".dcrconform/bin") {
			t.Errorf("%s does not build dcrconform from a checkout (make -C .dcrconform build, .dcrconform/bin on PATH)", name)
		}
	}
	for _, line := range []string{"make build", "go install ./cmd/dcrconform", "make images"} {
		if !strings.Contains(string(readme), line) {
			t.Errorf("README.md does not say %q", line)
		}
	}
	if !strings.Contains(string(files["kubernetes-jobs.yaml"]), "make images") {
		t.Error("kubernetes-jobs.yaml does not say where its image comes from")
	}
	if testing.Short() {
		return
	}
	gobin := t.TempDir()
	install := exec.Command("go", "install", "./cmd/dcrconform")
	install.Dir = "../.."
	install.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/dcrconform: %v\n%s", err, out)
	}
	if out, err := exec.Command(filepath.Join(gobin, "dcrconform"), "version").CombinedOutput(); err != nil {
		t.Fatalf("the installed dcrconform: %v\n%s", err, out)
	}
	if out, err := exec.Command("make", "-n", "-C", "../..", "build").CombinedOutput(); err != nil || !strings.Contains(string(out), "go build") {
		t.Errorf("make build: %v\n%s", err, out)
	}
}
