// Package gate holds a bank's expected failures: the specs it knows it fails, each with a reason and
// optionally an expiry and the answer last seen, for a CI gate that passes on known failures and still
// fails on a new one, a fixed one, an expired one or a listed ID no spec has. The config's
// expected_failures block and `run --expected-failures FILE` both read this type; reports applies it.
package gate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// ExpectedFailure is one entry of a bank's list of known failures.
type ExpectedFailure struct {
	ID       string `json:"id"`
	Reason   string `json:"reason"`
	Expires  string `json:"expires,omitempty"`   // YYYY-MM-DD: from that day on the entry fails the run
	LastSeen string `json:"last_seen,omitempty"` // text the failure's answer contained when it was listed
}

// ExpiryLayout is the format of ExpectedFailure.Expires.
const ExpiryLayout = "2006-01-02"

// Check reports what is wrong with an entry on its own: the field at fault and why ("" when nothing).
func (e ExpectedFailure) Check() (field, problem string) {
	switch {
	case strings.TrimSpace(e.ID) == "":
		return "id", "is required: the spec ID (dcrconform list)"
	case strings.TrimSpace(e.Reason) == "":
		return "reason", "is required: why the bank fails " + e.ID
	}
	if e.Expires != "" {
		if _, err := time.Parse(ExpiryLayout, e.Expires); err != nil {
			return "expires", fmt.Sprintf("%q is not a date like 2027-03-31", e.Expires)
		}
	}
	return "", ""
}

// MaxFileBytes caps an expected-failures file.
const MaxFileBytes = 1 << 20

// File is the document `run --expected-failures FILE` reads: {expected_failures: [...]}.
type File struct {
	ExpectedFailures []ExpectedFailure `json:"expected_failures"`
}

// Load reads an expected-failures file (YAML or JSON), naming the entry and field at fault.
func Load(path string) ([]ExpectedFailure, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: over %d bytes", path, MaxFileBytes)
	}
	var doc File
	if err := yaml.UnmarshalStrict(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var errs []error
	for i, e := range doc.ExpectedFailures {
		if field, problem := e.Check(); field != "" {
			errs = append(errs, fmt.Errorf("%s: expected_failures[%d].%s %s", path, i, field, problem))
		}
	}
	return doc.ExpectedFailures, errors.Join(errs...)
}
