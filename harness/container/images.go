package container

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The three images, all FROM scratch around the one static binary; they differ in their entrypoint.
var Images = []struct {
	Name       string // repository name; tagged :latest by `make images`
	Dockerfile string // under the module root
}{
	{"dcrconform", "fixtures/docker/dcrconform.Dockerfile"},
	{"dcrconform-directory", "fixtures/docker/directory.Dockerfile"},
	{"dcrconform-bank", "fixtures/docker/bank.Dockerfile"},
}

// BuildImages builds the static binary of the module at root and, from it, the three images tagged
// name:tag: what `make images` does, for tests. Go's build cache and Docker's layer cache make a rebuild of
// unchanged code quick. Nothing is pulled.
func BuildImages(ctx context.Context, root, tag string) error {
	dir, err := os.MkdirTemp("", "dcrconform-images-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "dcrconform")
	if err := BuildBinary(ctx, root, bin); err != nil {
		return err
	}
	return BuildImagesFrom(ctx, root, bin, tag)
}

// BuildBinary builds ./cmd/dcrconform of the module at root as a static binary (CGO_ENABLED=0) at out.
func BuildBinary(ctx context.Context, root, out string) error {
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/dcrconform")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, b)
	}
	return nil
}

// BuildImagesFrom builds the three images tagged name:tag around binary (a static build of
// ./cmd/dcrconform), from a build context holding only that binary.
func BuildImagesFrom(ctx context.Context, root, binary, tag string) error {
	if err := CheckDocker(ctx); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "dcrconform-context-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Link(binary, filepath.Join(dir, "dcrconform")); err != nil {
		b, err := os.ReadFile(binary)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "dcrconform"), b, 0o755); err != nil {
			return err
		}
	}
	for _, img := range Images {
		cmd := exec.CommandContext(ctx, "docker", "build", "--quiet", "--file", filepath.Join(root, img.Dockerfile), "--tag", img.Name+":"+tag, dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("docker build %s: %v\n%s", img.Name, err, strings.TrimSpace(out.String()))
		}
	}
	return nil
}

// ModuleRoot is the root of the Go module holding the current directory.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}
