// Package embedded starts the default target in this process: a mock directory and the reference bank
// on loopback, the bank serving TLS from the directory's CA and trusting its transport certificates.
package embedded

import (
	"cmp"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// Options configure the embedded default.
type Options struct {
	Defects []string     // reference bank defects to switch on
	Choices bank.Choices // legal reference bank behaviours where the specs leave a choice
	Timeout time.Duration
	Logger  *slog.Logger
	// KeySource supplies software keys from a pool instead of generating each (see harness/keypool).
	KeySource func(keyType string) (crypto.Signer, error)
	// UKVersion selects the UK OBIE DCR version (3.1, 3.2, 3.3, 3.4) the uk profile is tested at; "" is 3.3.
	UKVersion string
	// Delay is added by the reference bank before every answer (a slow bank).
	Delay time.Duration
	// AdminToken switches on the mock directory's admin API (see Env.Share); "" leaves it off.
	AdminToken string
}

// Env is a running embedded default.
type Env struct {
	Target       *target.Target
	Directory    *mockdirectory.Directory
	Bank         *bank.Server
	DirURL       string
	dirServer    *DirectoryServer
	control      *http.Server
	stopPrefetch func()
}

// Start starts the mock directory and the reference bank and describes them as a target.
func Start(opts Options) (*Env, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	ds, err := ServeDirectory(mockdirectory.Config{KeySource: opts.KeySource, AdminToken: opts.AdminToken})
	if err != nil {
		return nil, err
	}
	dir := ds.Directory
	env := &Env{Directory: dir, DirURL: ds.URL, dirServer: ds}

	serverCert, err := dir.CA().IssueServer("127.0.0.1", "localhost")
	if err != nil {
		env.Close()
		return nil, fmt.Errorf("bank server certificate: %w", err)
	}
	env.Bank, err = bank.Start(bank.Config{
		DirectoryJWKSURL:    env.DirURL + dir.JWKSPath(),
		DirectoryIssuer:     mockdirectory.UKIssuer,
		CDRJWKSURL:          env.DirURL + dir.CDRJWKSPath(),
		CDRIssuer:           mockdirectory.CDRIssuer,
		AdminUser:           AdminUser,
		AdminPassword:       AdminPassword,
		InitialAccessToken:  InitialAccessToken,
		ClientCAs:           dir.CA().Pool(),
		ClientIntermediates: dir.CA().IntermediatePool(),
		Defects:             opts.Defects,
		Choices:             opts.Choices,
		Logger:              opts.Logger,
		Delay:               opts.Delay,
	}, serverCert)
	if err != nil {
		env.Close()
		return nil, fmt.Errorf("reference bank: %w", err)
	}
	// Two software identities wait ready: created on the core the spec in flight leaves idle. Unless the
	// caller supplies every key (KeySource), they share the key pairs of a small pool, made now on every
	// core while discovery and the positive control run.
	var shared *keypool.Shared
	if opts.KeySource == nil {
		shared = keypool.StartShared(keypool.DefaultPairs, pki.NewRSAKey)
	}
	prefetching, stopPrefetch := target.PrefetchingDirectory(dir, 2, shared)
	env.stopPrefetch = stopPrefetch
	env.Target = &target.Target{
		Name:         "embedded reference bank",
		Profile:      bank.ProfileUK,
		Profiles:     profileSettings(env.Bank.URL, env.Bank.MTLSURL, rfc7591AuthMethod(opts.Choices)),
		DiscoveryURL: env.Bank.URL + "/.well-known/openid-configuration",
		RootCAs:      dir.CA().Pool(),
		Timeout:      opts.Timeout,
		Directory:    prefetching,
		Supports:     target.Capabilities{Read: true, Update: true, Delete: true},
		ExpireTokens: func(clientID string) error { env.Bank.Bank.ExpireTokens(clientID); return nil },
	}
	if err := atUKVersion(env.Target, cmp.Or(env.Bank.MTLSURL, env.Bank.URL), opts.UKVersion); err != nil {
		env.Close()
		return nil, err
	}
	return env, nil
}

// atUKVersion points tgt's uk profile at the bank's registration endpoint of a UK DCR version ("": 3.3).
func atUKVersion(tgt *target.Target, bankURL, version string) error {
	if version == "" {
		return nil
	}
	path := bank.RegistrationPathVersion(version)
	if path == "" {
		return fmt.Errorf("UK DCR version %q: the reference bank serves 3.1, 3.2, 3.3 and 3.4", version)
	}
	tgt.Version = version
	tgt.Profiles[bank.ProfileUK].Registration = bankURL + path
	return nil
}

// Credentials the embedded bank's Identity Server and RFC 7591 profiles ask for.
const (
	AdminUser          = "is_admin@dcrconform.test"
	AdminPassword      = "embedded-admin-password"
	InitialAccessToken = "embedded-initial-access-token"
)

// profileSettings tells the harness where the reference bank serves each profile, and the
// credentials each profile's registration needs. A bank with a listener that requires a client
// certificate in the handshake (mtlsBase) serves the registration of its mTLS profiles there.
func profileSettings(base, mtlsBase, rfc7591Auth string) map[string]*target.ProfileSettings {
	out := map[string]*target.ProfileSettings{}
	for _, p := range bank.Profiles() {
		at := base
		if mtlsBase != "" && p != bank.ProfileRFC7591 {
			at = mtlsBase
		}
		out[p] = &target.ProfileSettings{Registration: at + bank.RegistrationPath(p)}
	}
	out[bank.ProfileIS].BasicUser, out[bank.ProfileIS].BasicPassword = AdminUser, AdminPassword
	out[bank.ProfileRFC7591].InitialAccessToken = InitialAccessToken
	out[bank.ProfileRFC7591].TokenEndpointAuthMethod = rfc7591Auth
	return out
}

// rfc7591AuthMethod is what the embedded target says its plain RFC 7591 clients use, as a configured
// target's overrides.token_endpoint_auth_method does: "" for the profile's default.
func rfc7591AuthMethod(c bank.Choices) string {
	if c.RFC7591PrivateKeyJWT {
		return "private_key_jwt"
	}
	return ""
}

// Close stops both servers.
func (e *Env) Close() error {
	var errs []error
	if e.stopPrefetch != nil {
		e.stopPrefetch()
	}
	if e.Bank != nil {
		errs = append(errs, e.Bank.Close())
	}
	if e.control != nil {
		errs = append(errs, e.control.Close())
	}
	if e.dirServer != nil {
		errs = append(errs, e.dirServer.Close())
	}
	return errors.Join(errs...)
}
