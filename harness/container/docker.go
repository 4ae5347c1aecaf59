package container

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
)

// newDockerClient is testcontainers' client constructor; tests replace it to play an unreachable engine
// (testcontainers falls back to the default socket when DOCKER_HOST does not answer).
var newDockerClient = func(ctx context.Context) (*testcontainers.DockerClient, error) {
	return testcontainers.NewDockerClientWithOpts(ctx)
}

// dockerClient connects to the Docker engine testcontainers would use (DOCKER_HOST, docker context, the
// default socket).
func dockerClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	c, err := newDockerClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("no Docker engine is reachable (%v): start Docker, or point DOCKER_HOST at it", err)
	}
	return c, nil
}

// CheckDocker reports whether a Docker engine answers within 10 seconds, with an error saying so when not.
func CheckDocker(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("no Docker engine is reachable (%v): start Docker, or point DOCKER_HOST at it", err)
	}
	return nil
}

// checkImage fails unless image is present locally: dcrconform never pulls.
func checkImage(ctx context.Context, image string) error {
	c, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ImageInspect(ctx, image); err != nil {
		if errdefs.IsNotFound(err) {
			return fmt.Errorf("image %q is not present in the local Docker engine (dcrconform never pulls): build it (make images) or docker load it", image)
		}
		return fmt.Errorf("image %q: %w", image, err)
	}
	return nil
}

func isNotFound(err error) bool { return errdefs.IsNotFound(err) }

// Network is a Docker network of one run.
type Network struct {
	Name  string
	RunID string
	nw    *testcontainers.DockerNetwork
}

// NewNetwork creates a bridge network labelled with runID (a fresh id when empty).
func NewNetwork(ctx context.Context, runID string) (*Network, error) {
	if runID == "" {
		runID = NewRunID()
	}
	c, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	_ = c.Close()
	nw, err := network.New(ctx, network.WithLabels(map[string]string{LabelRun: runID}))
	if err != nil {
		return nil, fmt.Errorf("create network: %w", err)
	}
	return &Network{Name: nw.Name, RunID: runID, nw: nw}, nil
}

// Remove removes the network; removing it twice, or one already gone, is not an error. It ignores ctx's
// cancellation.
func (n *Network) Remove(ctx context.Context) error {
	if n == nil || n.nw == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := n.nw.Remove(ctx); err != nil && !isNotFound(err) {
		return fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	n.nw = nil
	return nil
}

// Leftovers are the containers and networks of a run that still exist.
type Leftovers struct {
	Containers []string // "id name (image)"
	Networks   []string // "id name"
}

// Empty reports whether nothing is left.
func (l Leftovers) Empty() bool { return len(l.Containers) == 0 && len(l.Networks) == 0 }

func (l Leftovers) String() string {
	return fmt.Sprintf("containers %v, networks %v", l.Containers, l.Networks)
}

// List lists the containers (running or not) and networks labelled with runID; an empty runID lists those
// of every run.
func List(ctx context.Context, runID string) (Leftovers, error) {
	var out Leftovers
	c, err := dockerClient(ctx)
	if err != nil {
		return out, err
	}
	defer c.Close()
	label := LabelRun
	if runID != "" {
		label += "=" + runID
	}
	f := client.Filters{}.Add("label", label)
	cs, err := c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list containers: %w", err)
	}
	for _, s := range cs.Items {
		name := ""
		if len(s.Names) > 0 {
			name = s.Names[0]
		}
		out.Containers = append(out.Containers, fmt.Sprintf("%s %s (%s)", shortID(s.ID), name, s.Image))
	}
	ns, err := c.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range ns.Items {
		out.Networks = append(out.Networks, shortID(n.ID)+" "+n.Name)
	}
	sort.Strings(out.Containers)
	sort.Strings(out.Networks)
	return out, nil
}

// RemoveRun force-removes every container, then every network, labelled with runID: the sweep after a
// run, which also catches what a cancelled start left half made. It ignores ctx's cancellation.
func RemoveRun(ctx context.Context, runID string) error {
	if runID == "" {
		return errors.New("RemoveRun: empty run id")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	c, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	f := client.Filters{}.Add("label", LabelRun+"="+runID)
	var errs []error
	cs, err := c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return fmt.Errorf("list containers of run %s: %w", runID, err)
	}
	for _, s := range cs.Items {
		if _, err := c.ContainerRemove(ctx, s.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", shortID(s.ID), err))
		}
	}
	ns, err := c.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("list networks of run %s: %w", runID, err))...)
	}
	for _, n := range ns.Items {
		if _, err := c.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return errors.Join(errs...)
}
