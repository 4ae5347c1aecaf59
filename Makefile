GO ?= go
BIN := bin/dcrconform

.PHONY: all build run test test-short check catalogue selftest clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/dcrconform

# The main job: every suite against the embedded default (mock directory + reference bank). It runs the
# binary `make build` made (up to date: no rebuild); `go run` would compile another one (cgo on).
run: build
	$(BIN) run --junit out/junit.xml --json out/run.json --html out/run.html

# The project's tests, as CI runs them, after .ci/setup has installed (as root) or named what they need.
test:
	bash .ci/setup
	$(GO) test -race -count=1 -timeout 30m ./...

# The unit tier: no containers, browser, real third-party servers or whole-suite self-tests.
test-short:
	$(GO) test -short -count=1 ./...

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# Every reference bank defect against the whole suite: the catch matrix and rate.
selftest:
	$(GO) run ./cmd/dcrconform selftest

catalogue:
	$(GO) run ./cmd/dcrconform list --format markdown > fixtures/CATALOGUE.md
	$(GO) run ./cmd/dcrconform list --coverage --format markdown > out.coverage.md
	awk '/<!-- coverage:start -->/{print; while((getline l < "out.coverage.md")>0) print l; skip=1; next} /<!-- coverage:end -->/{skip=0} !skip' fixtures/requirements/README.md > out.readme.md
	mv out.readme.md fixtures/requirements/README.md; rm -f out.coverage.md

clean:
	rm -rf bin out

# Container images, each FROM scratch around the static binary (CGO_ENABLED=0, -trimpath like the tests build
# it, so that their builds hit the same cache; nothing is pulled):
# dcrconform (the harness), dcrconform-directory (the mock directory), dcrconform-bank (the reference bank).
DOCKER ?= docker
IMAGE_TAG ?= latest

.PHONY: images
images:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/dcrconform
	$(DOCKER) build -q -f fixtures/docker/dcrconform.Dockerfile -t dcrconform:$(IMAGE_TAG) bin
	$(DOCKER) build -q -f fixtures/docker/directory.Dockerfile -t dcrconform-directory:$(IMAGE_TAG) bin
	$(DOCKER) build -q -f fixtures/docker/bank.Dockerfile -t dcrconform-bank:$(IMAGE_TAG) bin
