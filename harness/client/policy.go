package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The rules of a Policy, as a refusal names them.
const (
	RuleTLS     = "TLS required: RFC 7591 section 5 and RFC 7592 section 5 require TLS at the registration and client configuration endpoints (target.allow_http opts in for a local test server)"
	RuleOrigin  = "not one of the bank's own origins (dcrconform's origin rule, not an RFC's: credentials go only to the origins of the discovery URL, of the endpoints its discovery document names and of the config)"
	RuleAddress = "a loopback, link-local or private address, and the bank's own URL is not one (dcrconform's address rule, not an RFC's: no requests into the network the harness runs in)"
	RuleScheme  = "not an http(s) URL"
)

// PolicyError is a request the Policy refused: nothing of it was sent.
type PolicyError struct {
	URL  string
	Rule string
	Why  string // what of the URL broke the rule, e.g. "127.0.0.1 is loopback"
}

func (e *PolicyError) Error() string {
	why := ""
	if e.Why != "" {
		why = " (" + e.Why + ")"
	}
	return fmt.Sprintf("refused to send to %s%s: %s; nothing was sent", clipURL(e.URL), why, e.Rule)
}

// clipURL keeps a bank-chosen URL in a message short.
func clipURL(u string) string {
	const n = 300
	if len(u) <= n {
		return u
	}
	return fmt.Sprintf("%s… (%d bytes)", u[:n], len(u))
}

// IsPolicyRefusal reports whether err is a request the policy refused.
func IsPolicyRefusal(err error) bool {
	var pe *PolicyError
	return errors.As(err, &pe)
}

// Address classes the address rule refuses unless the bank's own URL is in them.
const (
	classPublic    = ""
	classLoopback  = "loopback"
	classLinkLocal = "link-local"
	classPrivate   = "private"
)

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// addrClass is the class of ip: loopback (the unspecified address reaches this host too), link-local
// (169.254.0.0/16, fe80::/10: where cloud metadata services listen), private, or public ("").
func addrClass(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback(), ip.IsUnspecified():
		return classLoopback
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return classLinkLocal
	case ip.IsPrivate(), cgnat.Contains(ip):
		return classPrivate
	}
	return classPublic
}

// Policy says where the client may send: only over https (http where AllowHTTP), only to the allowed
// origins, and only to public addresses, or to addresses of a class the bank's own URLs resolve to.
// It is checked before any byte of a request is sent, and again on the address each connection dials.
type Policy struct {
	AllowHTTP bool

	mu      sync.RWMutex
	origins []string        // scheme://host:port, in the order allowed
	classes map[string]bool // address classes allowed besides public
}

// NewPolicy allows the origins of ownURLs, and the address classes their hosts resolve to (the bank's
// own statement of where it lives: its discovery URL, or the endpoints the config names).
func NewPolicy(ctx context.Context, allowHTTP bool, ownURLs ...string) *Policy {
	p := &Policy{AllowHTTP: allowHTTP, classes: map[string]bool{}}
	for _, u := range ownURLs {
		if u == "" {
			continue
		}
		p.Allow(u)
		pu, err := url.Parse(u)
		if err != nil || pu.Hostname() == "" {
			continue
		}
		for _, c := range resolveClasses(ctx, pu.Hostname()) {
			p.classes[c] = true
		}
	}
	return p
}

// resolveClasses is the address classes host resolves to (an IP literal: its own).
func resolveClasses(ctx context.Context, host string) []string {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []string{addrClass(ip)}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	var out []string
	for _, ip := range ips {
		out = append(out, addrClass(ip))
	}
	return out
}

// Allow adds the origin of rawURL to the allowed origins; a URL that does not parse adds nothing.
func (p *Policy) Allow(rawURL string) {
	o, ok := origin(rawURL)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.origins, o) {
		p.origins = append(p.origins, o)
	}
}

// Origins lists the allowed origins.
func (p *Policy) Origins() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.origins)
}

// origin is scheme://host:port of an absolute http(s) URL, the port made explicit.
func origin(rawURL string) (string, bool) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	return u.Scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port), true
}

// Check refuses a URL the policy does not allow, before anything is sent to it.
func (p *Policy) Check(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &PolicyError{URL: rawURL, Rule: RuleScheme}
	}
	if u.Scheme == "http" && !p.AllowHTTP {
		return &PolicyError{URL: rawURL, Rule: RuleTLS, Why: "plain http"}
	}
	o, _ := origin(rawURL)
	p.mu.RLock()
	allowed := slices.Contains(p.origins, o)
	p.mu.RUnlock()
	if !allowed {
		return &PolicyError{URL: rawURL, Rule: RuleOrigin, Why: "origin " + o + "; allowed: " + strings.Join(p.Origins(), ", ")}
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		return p.checkAddr(rawURL, ip)
	}
	return nil
}

func (p *Policy) checkAddr(rawURL string, ip netip.Addr) error {
	c := addrClass(ip)
	if c == classPublic {
		return nil
	}
	p.mu.RLock()
	ok := p.classes[c]
	p.mu.RUnlock()
	if ok {
		return nil
	}
	return &PolicyError{URL: rawURL, Rule: RuleAddress, Why: ip.String() + " is " + c}
}

type urlKey struct{}

// dialContext dials like a net.Dialer whose Control refuses an address the policy does not allow,
// whatever name resolved to it, before the connection is made. The refusal names the request's URL.
func (p *Policy) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	rawURL, _ := ctx.Value(urlKey{}).(string)
	if rawURL == "" {
		rawURL = address
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			return p.checkAddr(rawURL, ip)
		}}
	return d.DialContext(ctx, network, address)
}
