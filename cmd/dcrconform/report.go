package main

import (
	"bytes"
	"crypto"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/reports"
)

// maxRecordBytes bounds a JSON record read by report (a full run with transcripts is a few MB).
const maxRecordBytes = 512 << 20

// runReport regenerates reports from JSON records and merges several into one:
// dcrconform report --in a.json [--in b.json ...] --html out.html --junit out.xml; "report verify" checks a signature.
func runReport(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "verify" {
		return runReportVerify(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "diff" {
		return runReportDiff(args[1:], stdout, stderr)
	}
	fs := newCLI("report", "report --in run.json [--in more.json ...] [--html F] [--junit F] [--json F] [--sign-key KEY.pem]\n       dcrconform report verify --in run.json --key PUB.pem\n       dcrconform report diff --base old.json --in new.json",
		`Regenerates reports from JSON records written by "dcrconform run --json". Several --in are merged into one
record, the matrix target × profile × spec: runs of several banks, profiles, or CI jobs gathered at the end.
--sign-key signs the JSON written by --json; --key verifies the inputs' signatures first and the HTML says so.
"report verify" checks a signed record (see "dcrconform report verify -h"); "report diff" compares two runs
(see "dcrconform report diff -h").`, stdout, stderr)
	var ins stringList
	fs.Var(&ins, "in", `JSON record written by "dcrconform run --json" (required, repeatable: several are merged; - for standard input)`)
	jsonOut := fs.String("json", "", "write the JSON record (again, secrets masked) to this path")
	htmlOut := fs.String("html", "", "write the HTML report to this path")
	junitOut := fs.String("junit", "", "write the JUnit XML report to this path")
	transcripts := fs.transcriptFlags()
	signKey := fs.String("sign-key", "", "PEM private `key` (RSA, ECDSA or Ed25519) that signs the record written by --json")
	verifyKey := fs.String("key", "", "PEM public `key` (or certificate): verify each --in's signature before using it; a bad one is an error")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	switch {
	case len(ins) == 0:
		return fs.usageError("--in is required: the JSON record to read")
	case *jsonOut == "" && *htmlOut == "" && *junitOut == "":
		return fs.usageError("nothing to write: give --html, --junit or --json")
	case *signKey != "" && *jsonOut == "":
		return fs.usageError("--sign-key signs the JSON record: give --json")
	}
	reportOpts, err := transcripts.options()
	if err != nil {
		return fs.usageError("%v", err)
	}
	var signer crypto.Signer
	if *signKey != "" {
		var err error
		if signer, err = loadSigningKey(*signKey); err != nil {
			return fs.badValue("--sign-key: %v", err)
		}
	}
	var pub crypto.PublicKey
	if *verifyKey != "" {
		var err error
		if pub, err = loadVerifyKey(*verifyKey); err != nil {
			return fs.badValue("--key: %v", err)
		}
	}

	runs, ok := readRuns(ins, pub, stderr)
	if !ok {
		return exitFailed
	}
	run := runs[0]
	if len(runs) > 1 {
		var err error
		if run, err = reports.Merge(runs); err != nil {
			fmt.Fprintf(stderr, "dcrconform report: %v\n", err)
			return exitFailed
		}
	}
	if signer != nil {
		if err := reports.Sign(run, signer, time.Now()); err != nil {
			fmt.Fprintf(stderr, "dcrconform report: %v\n", err)
			return exitFailed
		}
	}
	if err := reports.WriteAllWith(run, *jsonOut, *junitOut, *htmlOut, reportOpts); err != nil {
		fmt.Fprintf(stderr, "dcrconform report: %v\n", err)
		return exitFailed
	}
	printReportLine(stdout, run, len(runs), *jsonOut, *junitOut, *htmlOut)
	return exitOK
}

// runReportVerify is `dcrconform report verify`: exit 0 when the record's signature holds with the key,
// 1 when it does not (naming what was changed), 2 on usage errors.
func runReportVerify(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("report verify", "report verify --in run.json --key PUB.pem",
		`Checks the signature of a JSON record signed by "dcrconform run --sign-key" or "dcrconform report --sign-key":
that the given key signed it, and that nothing in it changed since; if something did, names each changed
part (a spec, the summary, the target, ...). Exit status: 0 intact, 1 not intact or not signed, 2 usage.`, stdout, stderr)
	in := fs.String("in", "", "the signed JSON record (- for standard input)")
	keyFile := fs.String("key", "", "PEM public `key` of the signer (PUBLIC KEY, a certificate, or the private key)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if *in == "" || *keyFile == "" {
		return fs.usageError("--in and --key are required")
	}
	pub, err := loadVerifyKey(*keyFile)
	if err != nil {
		return fs.badValue("--key: %v", err)
	}
	data, err := readRecord(*in)
	if err != nil {
		fmt.Fprintf(stderr, "dcrconform report verify: --in %s: %v\n", *in, err)
		return exitFailed
	}
	v, err := reports.VerifyRecord(data, pub)
	if err != nil {
		fmt.Fprintf(stderr, "dcrconform report verify: %s: %v\n", *in, err)
		return exitFailed
	}
	if !v.OK() {
		fmt.Fprintf(stderr, "dcrconform report verify: %s: NOT INTACT\n", *in)
		for _, p := range v.Problems {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		return exitFailed
	}
	c := v.Claims
	fmt.Fprintf(stdout, "%s: signature OK: key %s (%s), signed %s\n  tool %s, target %s (profile %s), catalogue %s\n",
		*in, v.KeyThumbprint, v.Algorithm, c.SignedAt.Format(time.RFC3339), c.ToolVersion, c.Target.Name, c.Target.Profile, orDash(c.CatalogueDigest))
	return exitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func readRecord(path string) ([]byte, error) {
	var src io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		src = f
	}
	data, err := io.ReadAll(io.LimitReader(src, maxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRecordBytes {
		return nil, fmt.Errorf("larger than %d MiB", maxRecordBytes>>20)
	}
	return data, nil
}

func loadSigningKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return pki.ParseKeyPEM(b)
}

func loadVerifyKey(path string) (crypto.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return reports.ParsePublicKeyPEM(b, pki.ParseKeyPEM)
}

// readRuns reads each --in record, verifying its signature with pub when given; false when one fails
// (said on stderr).
func readRuns(ins []string, pub crypto.PublicKey, stderr io.Writer) ([]*reports.Run, bool) {
	var runs []*reports.Run
	for _, in := range ins {
		data, err := readRecord(in)
		if err != nil {
			fmt.Fprintf(stderr, "dcrconform report: --in %s: %v\n", in, err)
			return nil, false
		}
		run, err := reports.ReadJSON(bytes.NewReader(data))
		if err != nil {
			fmt.Fprintf(stderr, "dcrconform report: --in %s: %v\n", in, err)
			return nil, false
		}
		if pub != nil {
			v, err := reports.VerifyRecord(data, pub)
			if err != nil {
				fmt.Fprintf(stderr, "dcrconform report: --in %s: %v\n", in, err)
				return nil, false
			}
			if !v.OK() {
				fmt.Fprintf(stderr, "dcrconform report: --in %s: the signature does not hold:\n  %s\n", in, strings.Join(v.Problems, "\n  "))
				return nil, false
			}
			run.SetVerification(v)
		}
		runs = append(runs, run)
	}
	return runs, true
}

// printReportLine says what report read and wrote: the target, the counts, the files; and the key that
// signed the record written.
func printReportLine(stdout io.Writer, run *reports.Run, inputs int, jsonOut, junitOut, htmlOut string) {
	var wrote []string
	for _, p := range []string{jsonOut, junitOut, htmlOut} {
		if p != "" {
			wrote = append(wrote, p)
		}
	}
	s := run.Summary
	what := run.Target.Name
	if inputs > 1 {
		what = fmt.Sprintf("%d runs merged (%s)", len(run.Runs), run.Target.Name)
	}
	if setup := run.Target.Setup(); setup != "" {
		what += " (" + setup + ")"
	}
	warned := ""
	if s.Warned > 0 {
		warned = fmt.Sprintf(", %d passed with a warning", s.Warned)
	}
	fmt.Fprintf(stdout, "report: %s: %d specs, %d failed, %d passed%s, %d skipped; wrote %s\n",
		what, s.Total, s.Failed, s.Passed, warned, s.Skipped, strings.Join(wrote, ", "))
	if run.Signature != nil {
		fmt.Fprintf(stdout, "report: %s signed with key %s (%s)\n", jsonOut, run.Signature.KeyThumbprint, run.Signature.Algorithm)
	}
}
