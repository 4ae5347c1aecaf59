package main

import (
	"encoding/json"
	"fmt"
	"github.com/dcrconform/dcrconform/suites/runner"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/container"
	"github.com/dcrconform/dcrconform/harness/keycache"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/harness/profiles"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// Files init writes under --out.
const (
	initConfigFile = "dcrconform.yaml"
	initStateDir   = "directory-state"
	initTrustDir   = "trust"
	initBankCAFile = "bank-ca.pem"
	trustCAFile    = "directory-ca.pem"  // the directory's CA bundle: trust it for transport certificates
	trustUKJWKS    = "ssa-signing.jwks"  // the key set that signs UK SSAs
	trustCDRJWKS   = "cdr-register.jwks" // the key set that signs CDR SSAs
	trustEnvFile   = "directory.env"     // the URLs and files, as the variables a bank's container gets
	trustReadme    = "README.txt"        // what each file is for
	defaultBankURL = "https://127.0.0.1:8443"
)

// runInit is `dcrconform init`: a commented starter config for a profile and, with --mock-directory, a
// mock directory state folder whose trust material is exported as files, so that the bank can be set up
// to trust the directory before either runs.
func runInit(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("init", "init --profile uk|cdr|generic|is|rfc7591 [--mock-directory | --directory-url URL] [--out DIR] [--bank-url URL]",
		`Writes a commented starter configuration for an external bank of that profile (DIR/dcrconform.yaml).
With --mock-directory the harness plays the directory during runs: init creates its state folder
(DIR/directory-state) and exports what the bank must trust, before anything runs, to DIR/trust/: the CA
bundle of the transport certificates, the key sets that sign SSAs, and their URLs. With --directory-url of
a running directory (dcrconform directory) alone, init exports that directory's trust material to DIR/trust/
and the runs take leases on it. Prints the next two commands. Existing files are kept unless --force.`, stdout, stderr)
	profile := fs.String("profile", "", "the bank's DCR dialect: "+strings.Join(config.Profiles, ", ")+" (required)")
	mock := fs.Bool("mock-directory", false, "the harness's mock directory mints a software identity and SSA per spec (else: your own SSA and keys)")
	out := fs.String("out", ".", "`dir`ectory to write into (created if missing)")
	bankURL := fs.String("bank-url", defaultBankURL, "the bank's base `URL`; its discovery document is at URL/.well-known/openid-configuration")
	dirAddr := fs.String("directory-addr", "127.0.0.1:8700", "with --mock-directory: `host:port` the directory listens on during runs")
	dirURL := fs.String("directory-url", "", "with --mock-directory: base `URL` the bank reaches the directory at (default http://<directory-addr>); without it: the https URL of a running directory (dcrconform directory) whose trust material init exports")
	dirCA := fs.String("directory-ca", "", "with a running directory: PEM `file` of the roots of its server certificate (default: system roots)")
	dirCASHA := fs.String("directory-ca-sha256", "", "with a running directory: SHA-256 `hex` of its CA root (printed by dcrconform directory), instead of --directory-ca")
	force := fs.Bool("force", false, "overwrite an existing config")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	switch {
	case *profile == "":
		return fs.usageError("--profile is required: one of %s", strings.Join(config.Profiles, ", "))
	case !slices.Contains(config.Profiles, *profile):
		return fs.usageError("--profile %q is not one of %s", *profile, strings.Join(config.Profiles, ", "))
	case *mock && registryEntry(*profile).SSA == "":
		return fs.usageError("--mock-directory: plain RFC 7591 sends no software statement, so there is no directory to trust")
	}
	if u, err := url.Parse(*bankURL); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fs.usageError("--bank-url %q: want https://host[:port], the bank's base URL", *bankURL)
	}
	p := initParams{Profile: *profile, Mock: *mock, BankURL: strings.TrimRight(*bankURL, "/"), DirAddr: *dirAddr, DirURL: *dirURL, Out: *out}
	p.Remote = !*mock && *dirURL != ""
	if (*dirCA != "" || *dirCASHA != "") && !p.Remote {
		return fs.usageError("--directory-ca and --directory-ca-sha256 go with --directory-url of a running directory (without --mock-directory)")
	}
	if p.Remote {
		if registryEntry(*profile).SSA == "" {
			return fs.usageError("--directory-url: plain RFC 7591 sends no software statement, so there is no directory to trust")
		}
		if err := mockdirectory.CheckBaseURL(p.DirURL); err != nil || !strings.HasPrefix(p.DirURL, "https://") {
			return fs.usageError("--directory-url %q: want the https base URL of a running directory", p.DirURL)
		}
		if *dirCA != "" && *dirCASHA != "" {
			return fs.usageError("give --directory-ca or --directory-ca-sha256, not both")
		}
		p.DirURL = strings.TrimRight(p.DirURL, "/")
	}
	if *mock {
		if err := mockdirectory.CheckAddr(*dirAddr); err != nil {
			return fs.usageError("--directory-addr %q: %v", *dirAddr, err)
		}
		if p.DirURL == "" {
			p.DirURL = "http://" + *dirAddr
		}
		if err := mockdirectory.CheckBaseURL(p.DirURL); err != nil {
			return fs.usageError("--directory-url %q: %v", p.DirURL, err)
		}
		p.DirURL = strings.TrimRight(p.DirURL, "/")
	}

	return writeInit(p, *out, *force, *dirCA, *dirCASHA, stdout, stderr)
}

type initParams struct {
	Profile, BankURL, DirAddr, DirURL, Out string
	Mock                                   bool // the harness serves the directory during runs
	Remote                                 bool // a running directory at DirURL
}

func (p initParams) path(parts ...string) string {
	return filepath.Join(append([]string{p.Out}, parts...)...)
}

// exportTrust creates (or loads) the directory's state and writes its trust material to trust/.
func exportTrust(p initParams) error {
	dir, err := mockdirectory.New(mockdirectory.Config{StateDir: p.path(initStateDir)})
	if err != nil {
		return fmt.Errorf("mock directory state %s: %w", p.path(initStateDir), err)
	}
	defer dir.Close() // releases the state's lock for the run
	files := map[string][]byte{trustCAFile: dir.CABundlePEM()}
	for name, path := range map[string]string{trustUKJWKS: mockdirectory.DirectoryJWKSPath, trustCDRJWKS: mockdirectory.CDRJWKSPath} {
		set, err := dir.KeySet(path)
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(set, "", "  ")
		if err != nil {
			return err
		}
		files[name] = append(b, '\n')
	}
	// The key pool the run's identities share, made now: a runner's first run from init's output then
	// generates only the keys a spec needs of its own.
	pool := filepath.Join(p.path(initStateDir), runner.DirectoryKeyPoolFile)
	if err := keycache.Warm(pool, 2*keypool.DefaultPairs, 2*keypool.DefaultPairs); err != nil {
		return fmt.Errorf("directory key pool %s: %w", pool, err)
	}
	return writeTrust(p, files, "The directory's CA and keys live in ../"+initStateDir+", so these files stay valid across runs.")
}

// writeTrust writes the trust files, with directory.env and README.txt, to trust/. No path in them is
// absolute, so that init's output can be committed and used from any checkout.
func writeTrust(p initParams, files map[string][]byte, where string) error {
	trust := p.path(initTrustDir)
	if err := os.MkdirAll(trust, 0o755); err != nil {
		return err
	}
	files[trustEnvFile] = fmt.Appendf(nil, "# The directory's URLs, and its CA bundle relative to this folder (in a bank's container started by\n# dcrconform run --image it is %s).\n%s=%s\n%s=%s\n%s=%s\nDCRCONFORM_CDR_JWKS_URL=%s\n",
		container.DirectoryCAFile,
		container.EnvDirectoryURL, p.DirURL, container.EnvDirectoryJWKSURL, p.DirURL+mockdirectory.DirectoryJWKSPath,
		container.EnvDirectoryCAFile, trustCAFile, p.DirURL+mockdirectory.CDRJWKSPath)
	files[trustReadme] = fmt.Appendf(nil, `What a bank must trust to be tested with dcrconform's mock directory (written by dcrconform init).
%s

%-18s CA bundle of the software transport (mTLS) certificates: the bank's client CA.
%-18s   also served at %s%s
%-18s key set that signs UK SSAs (iss %q): the bank verifies SSAs with it.
%-18s   also served at %s%s (SSAs name that URL)
%-18s key set that signs CDR SSAs (iss %q), also at %s%s
%-18s the same, as environment variables (what a bank's container gets from dcrconform run --image)

The bank must reach, over https: %s%s, %s%s and each software's key set %s/{org_id}/{software_id}.jwks.
`, where, trustCAFile, "", p.DirURL, mockdirectory.CABundlePath, trustUKJWKS, mockdirectory.UKIssuer, "", p.DirURL, mockdirectory.DirectoryJWKSPath,
		trustCDRJWKS, mockdirectory.CDRIssuer, p.DirURL, mockdirectory.CDRJWKSPath, trustEnvFile,
		p.DirURL, mockdirectory.CABundlePath, p.DirURL, ssaKeySetPath(p.Profile), p.DirURL)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(trust, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// printNext prints the two commands that follow init: the bank (in another terminal), then the run.
func printNext(w io.Writer, p initParams, cfgPath string) {
	fmt.Fprintf(w, "dcrconform init: wrote %s", cfgPath)
	switch {
	case p.Mock:
		fmt.Fprintf(w, ", the mock directory's state %s and its trust material %s", p.path(initStateDir), p.path(initTrustDir)+string(filepath.Separator))
	case p.Remote:
		fmt.Fprintf(w, " and the trust material of the directory at %s in %s", p.DirURL, p.path(initTrustDir)+string(filepath.Separator))
	}
	fmt.Fprint(w, "\n\nNext:\n")
	if p.Mock || p.Remote {
		host := strings.TrimPrefix(p.BankURL, "https://")
		if _, _, err := net.SplitHostPort(host); err != nil {
			host += ":443"
		}
		fmt.Fprintf(w, `  1. In another terminal, start your bank at %s:
     - trusting %s as its client CA, and SSAs signed by the key set %s%s (also %s);
     - able to reach, over https, %s%s, %s%s and the software key sets under %s/;
     - with the roots of its server certificate in %s (the config's target.ca_bundle).
     Or try the reference bank there (it writes its server CA there):
       dcrconform bank --addr %s --directory-url %s --directory-ca %s --ca-out %s
`, p.BankURL, p.path(initTrustDir, trustCAFile), p.DirURL, ssaKeySetPath(p.Profile), p.path(initTrustDir, ssaKeySetFile(p.Profile)),
			p.DirURL, mockdirectory.CABundlePath, p.DirURL, ssaKeySetPath(p.Profile), p.DirURL, p.path(initBankCAFile),
			host, p.DirURL, shellQuote(p.path(initTrustDir, trustCAFile)), shellQuote(p.path(initBankCAFile)))
	} else {
		fmt.Fprintf(w, "  1. Fill in the values marked replace-with (your bank's URL, credentials and software identity):\n       grep -n replace-with %s\n", shellQuote(cfgPath))
	}
	if p.Remote {
		fmt.Fprintf(w, "  2. Give the run the directory's admin token (never in the config), and run the suites:\n       export %s=...\n", config.AdminTokenEnv)
	} else {
		fmt.Fprint(w, "  2. Run the suites:\n")
	}
	fmt.Fprintf(w, "       dcrconform run --config %s --junit %s --json %s --html %s\n",
		shellQuote(cfgPath), shellQuote(p.path("out", "junit.xml")), shellQuote(p.path("out", "run.json")), shellQuote(p.path("out", "report.html")))
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:,=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ssaKinds are, per SSA kind, the key set the directory signs its SSAs with: the file init exports, its
// issuer, its path at the directory, and who signs (for the starter config's comment).
var ssaKinds = map[string]struct{ file, issuer, path, signer string }{
	mockdirectory.ProfileUK:  {trustUKJWKS, mockdirectory.UKIssuer, mockdirectory.DirectoryJWKSPath, "the key set that signs SSAs"},
	mockdirectory.ProfileCDR: {trustCDRJWKS, mockdirectory.CDRIssuer, mockdirectory.CDRJWKSPath, "the CDR register's key set that signs SSAs"},
}

func ssaKeySetPath(profile string) string { return ssaKinds[registryEntry(profile).SSA].path }

func ssaKeySetFile(profile string) string { return ssaKinds[registryEntry(profile).SSA].file }

// registryEntry is a profile's registry entry (harness/profiles); the zero entry for an unknown name.
func registryEntry(name string) profiles.Profile {
	p, _ := profiles.Lookup(name)
	return p
}

// starterConfig is the commented config of a profile. Every value marked replace-with must be filled in;
// a test keeps each profile's output valid.
func starterConfig(p initParams) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	flags := "--profile " + p.Profile
	if p.Mock {
		flags += " --mock-directory"
	}
	w("# dcrconform configuration for %s.\n", registryEntry(p.Profile).Description)
	w("# Written by `dcrconform init %s`. Relative paths are relative to this file.\n", flags)
	w("# Every field is described in fixtures/examples/README.md, \"Configuration reference\", in a dcrconform checkout.\n")
	w("profile: %s\n", p.Profile)
	w("target:\n  name: My bank                      # shown in reports\n")
	regPath := bank.RegistrationPath(p.Profile)
	entry := registryEntry(p.Profile)
	switch {
	case !entry.Discovery:
		w("  # Identity Server publishes no discovery document: give the endpoints.\n")
		w("  registration_endpoint: %s%s\n  token_endpoint: %s/oauth2/token\n", p.BankURL, regPath, p.BankURL)
		w("  # issuer: %s/oauth2/token        # aud of signed requests\n", p.BankURL)
	default:
		w("  # The bank's OpenID discovery document: registration and token endpoints, issuer.\n")
		w("  discovery_url: %s/.well-known/openid-configuration\n", p.BankURL)
		w("  # registration_endpoint: %s%s   # when discovery names another endpoint\n", p.BankURL, regPath)
	}
	w("  # Roots of the bank's server certificate (PEM); remove to use the system roots.\n")
	w("  ca_bundle: %s\n", initBankCAFile)
	w("  # timeout: 10s                   # per request\n")
	w("  # scope: openid accounts payments\n")
	w("  # supports: {read: true, update: true, delete: true}   # the management operations the bank implements\n")
	switch {
	case p.Mock:
		w("# The mock directory the harness serves during each run: it mints a fresh software identity and SSA per\n")
		w("# spec. Set the bank up to trust it BEFORE the first run, from the files init exported to %s/:\n", initTrustDir)
		w("#   %-18s the client CA bundle of transport (mTLS) certificates (also <base_url>%s)\n", trustCAFile, mockdirectory.CABundlePath)
		kind := ssaKinds[entry.SSA]
		w("#   %-18s %s, iss %q (SSAs name <base_url>%s)\n", kind.file, kind.signer, kind.issuer, kind.path)
		w("#   %-18s the URLs and files as environment variables\n", trustEnvFile)
		w("directory:\n  listen: %s\n", p.DirAddr)
		w("  base_url: %s     # where the bank reaches the directory\n", p.DirURL)
		w("  state: %s               # the CA and keys behind the trust files (identities go with each run): keep it\n", initStateDir)
	case p.Remote:
		w("# A running mock directory (dcrconform directory): each run takes a lease there, mints a fresh software\n")
		w("# identity and SSA per spec, and removes them when it ends. Set the bank up to trust it from the files\n")
		w("# init exported to %s/ (%s: client CA; %s: the key set that signs SSAs).\n", initTrustDir, trustCAFile, ssaKeySetFile(p.Profile))
		w("# The admin token comes from $%s: keep it out of this file.\n", config.AdminTokenEnv)
		w("directory:\n  url: %s\n", p.DirURL)
		w("  ca_bundle: %s/%s   # roots of the directory's server certificate\n", initTrustDir, trustCAFile)
		w("  # run_ttl: 30m                 # a killed run's identities go after this\n")
	case entry.SSA == "":
		w("# Plain RFC 7591 sends no software statement: the harness makes up each client's metadata.\n")
	default:
		w("# Your own software identity, which the bank already trusts. Specs that need a modified SSA or a second\n")
		w("# software are reported as skipped; `dcrconform init --mock-directory` lets the harness mint them instead.\n")
		w("software:\n")
		w("  software_id: replace-with-your-software-id\n  org_id: replace-with-your-organisation-id\n")
		w("  transport_cert: certs/transport.pem      # mTLS certificate (PEM) and its key\n  transport_key: certs/transport-key.pem\n")
		w("  signing_key: certs/signing-key.pem       # signs registration requests and client assertions\n")
		w("  signing_kid: replace-with-the-signing-key-kid\n  signing_alg: PS256                       # or ES256\n")
		w("  redirect_uris: [https://replace-with-your-redirect-uri.example/callback]\n")
		w("  ssa_file: certs/ssa.jwt                  # or ssa: <the SSA inline>\n")
	}
	switch entry.RegistrationAuth {
	case profiles.RegAuthBasic:
		w("overrides:\n  basic_user: replace-with-the-admin-user\n  basic_password: replace-with-the-admin-password\n")
	case profiles.RegAuthInitialToken:
		w("overrides:\n  initial_access_token: replace-with-your-initial-access-token\n")
	default:
		w("# overrides:\n")
	}
	w("#   errors: {ssa: [invalid_software_statement, unapproved_software_statement]}   # codes the bank may answer, per fault\n")
	w("#   skip: [UK-TOK-N05]             # scenario IDs that do not apply to the bank (dcrconform list)\n")
	return b.String()
}

// writeInit writes the starter config under out (kept unless force), exporting the trust material of the
// mock directory or of a running one, and prints the next steps.
func writeInit(p initParams, out string, force bool, dirCA, dirCASHA string, stdout, stderr io.Writer) int {
	cfgPath := filepath.Join(out, initConfigFile)
	if _, err := os.Stat(cfgPath); err == nil && !force {
		fmt.Fprintf(stderr, "dcrconform init: %s exists: keeping it (--force overwrites)\n", cfgPath)
		return exitFailed
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stderr, "dcrconform init: %v\n", err)
		return exitFailed
	}
	if p.Remote {
		if err := exportRemoteTrust(p, dirCA, dirCASHA); err != nil {
			fmt.Fprintf(stderr, "dcrconform init: %v\n", err)
			return exitFailed
		}
	}
	if p.Mock {
		if err := exportTrust(p); err != nil {
			fmt.Fprintf(stderr, "dcrconform init: %v\n", err)
			return exitFailed
		}
	}
	if err := os.WriteFile(cfgPath, []byte(starterConfig(p)), 0o644); err != nil {
		fmt.Fprintf(stderr, "dcrconform init: %v\n", err)
		return exitFailed
	}
	printNext(stdout, p, cfgPath)
	return exitOK
}
