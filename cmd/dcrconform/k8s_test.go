package main

import (
	"io"
	"net"
	"path"
	"strings"
	"testing"
)

// TestKubernetesDirectoryManifest parses fixtures/k8s/directory.yaml and checks it against the CLI: the
// Deployment's args are flags `dcrconform directory` accepts, and the ports, the state volume, the probes,
// the token and the Service agree with them.
func TestKubernetesDirectoryManifest(t *testing.T) {
	const file = "fixtures/k8s/directory.yaml"
	data := readCI(t, "../k8s/directory.yaml")
	byKind := map[string]map[string]any{}
	var kinds []string
	for _, doc := range strings.Split(string(data), "\n---\n") {
		m := parseYAML(t, file, []byte(doc))
		kind := toString(m["kind"])
		kinds = append(kinds, kind)
		byKind[kind] = m
	}
	if strings.Join(kinds, ",") != "PersistentVolumeClaim,Deployment,Service" {
		t.Fatalf("kinds %v", kinds)
	}
	dep, svc, pvc := byKind["Deployment"], byKind["Service"], byKind["PersistentVolumeClaim"]
	if get(dep, "spec", "replicas") != float64(1) || get(dep, "spec", "strategy", "type") != "Recreate" {
		t.Error("the Deployment must run one directory at a time on its state (replicas 1, strategy Recreate)")
	}
	ctr := get(dep, "spec", "template", "spec", "containers", 0)
	if img := toString(get(ctr, "image")); !strings.HasPrefix(img, "dcrconform-directory:") {
		t.Errorf("image %q is not the dcrconform-directory image", img)
	}
	var args []string
	for _, a := range get(ctr, "args").([]any) {
		args = append(args, a.(string))
	}
	opts, caOut, code, ok := directoryOptions(args, io.Discard, io.Discard)
	if !ok {
		t.Fatalf("dcrconform directory %v: exit %d", args, code)
	}
	_, port, _ := net.SplitHostPort(opts.Addr)
	cport := get(ctr, "ports", 0)
	if toString(get(cport, "name")) != "https" || get(cport, "containerPort") != float64(atoi(port)) || !opts.TLS {
		t.Errorf("container port %v, --addr %s, --tls %v", cport, opts.Addr, opts.TLS)
	}
	mount := get(ctr, "volumeMounts", 0)
	state := toString(get(mount, "mountPath"))
	if opts.StateDir != state || path.Dir(caOut) != state || toString(get(mount, "name")) != toString(get(dep, "spec", "template", "spec", "volumes", 0, "name")) {
		t.Errorf("--state %s and --ca-out %s must be on the state volume mounted at %s (the root file system is read-only)", opts.StateDir, caOut, state)
	}
	if claim := get(dep, "spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName"); claim != get(pvc, "metadata", "name") {
		t.Errorf("the state volume claims %v, the PVC is %v", claim, get(pvc, "metadata", "name"))
	}
	if get(ctr, "env", 0, "name") != adminTokenEnv || get(ctr, "env", 0, "valueFrom", "secretKeyRef", "key") == nil {
		t.Errorf("the admin token must come from a Secret as $%s", adminTokenEnv)
	}
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		p := get(ctr, probe, "httpGet")
		if get(p, "path") != "/healthz" || get(p, "scheme") != "HTTPS" || get(p, "port") != "https" {
			t.Errorf("%s %v: want GET /healthz over HTTPS on the https port", probe, p)
		}
	}
	if get(svc, "spec", "ports", 0, "targetPort") != "https" || get(svc, "spec", "ports", 0, "port") != float64(443) {
		t.Errorf("Service ports %v", get(svc, "spec", "ports"))
	}
	host := strings.TrimPrefix(opts.BaseURL, "https://")
	if name := toString(get(svc, "metadata", "name")); !strings.HasPrefix(host, name+".") {
		t.Errorf("--base-url %s does not name the Service %s", opts.BaseURL, name)
	}
	// Every dcrconform command in the comments is one the CLI has.
	for _, line := range strings.Split(string(data), "\n") {
		i := strings.Index(line, "dcrconform ")
		if !strings.HasPrefix(line, "#") || i < 0 || strings.Contains(line[:i], "/") {
			continue
		}
		f := strings.Fields(line[i:])
		if len(f) > 1 && !strings.HasPrefix(f[1], "-") && dispatch(append(f[1:2], "-h"), io.Discard, io.Discard) != 0 {
			t.Errorf("%q: no such command", line)
		}
	}
}
