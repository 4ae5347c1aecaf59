// Package opcost measures, in the running process, what each operation counted by opcount costs,
// so that a run's crypto floor (counts × costs) is comparable with its wall time on the same machine.
package opcost

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// Costs is the mean time of one operation of each kind.
type Costs [opcount.NumOps]time.Duration

// Floor is the time the counted operations take at these costs, one after the other.
func (c Costs) Floor(n opcount.Counts) time.Duration {
	var t time.Duration
	for i, k := range n {
		t += time.Duration(k) * c[i]
	}
	return t
}

// Measure times each operation. rsaKeys is how many RSA keys to generate for the key-generation
// cost (its time varies widely from key to key, so more is steadier); the whole takes about
// rsaKeys × 100 ms plus half a second on a slow machine. It adds to the opcount counters: snapshot them first.
func Measure(rsaKeys int) (Costs, error) {
	var c Costs
	rsaKeys = max(rsaKeys, 1)
	var rk *rsa.PrivateKey
	var err error
	c[opcount.RSAKeyGen] = timeN(rsaKeys, func() {
		if rk, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
	})
	var ek *ecdsa.PrivateKey
	c[opcount.ECKeyGen] = timeN(200, func() {
		if ek, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	digest := sha256.Sum256([]byte("dcrconform opcost"))
	pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	var rsig, esig []byte
	c[opcount.RSASign] = timeN(50, func() { rsig, _ = rsa.SignPSS(rand.Reader, rk, crypto.SHA256, digest[:], pss) })
	c[opcount.RSAVerify] = timeN(500, func() { _ = rsa.VerifyPSS(&rk.PublicKey, crypto.SHA256, digest[:], rsig, pss) })
	c[opcount.ECSign] = timeN(200, func() { esig, _ = ecdsa.SignASN1(rand.Reader, ek, digest[:]) })
	c[opcount.ECVerify] = timeN(200, func() { _ = ecdsa.VerifyASN1(&ek.PublicKey, digest[:], esig) })
	if c[opcount.TLSHandshake], c[opcount.TLSResumed], err = handshakes(rk, 30); err != nil {
		return c, err
	}
	return c, nil
}

func timeN(n int, f func()) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start) / time.Duration(n)
}

// handshakes times n full and n resumed loopback handshakes shaped like the harness's: an ECDSA
// server certificate from a two-level CA, and an RSA client certificate the server verifies.
func handshakes(clientKey *rsa.PrivateKey, n int) (full, resumed time.Duration, err error) {
	ca, err := pki.NewCA("opcost")
	if err != nil {
		return 0, 0, err
	}
	serverCert, err := ca.IssueServer("127.0.0.1")
	if err != nil {
		return 0, 0, err
	}
	leaf, err := ca.IssueClient(pkix.Name{CommonName: "opcost"}, clientKey)
	if err != nil {
		return 0, 0, err
	}
	clientCert := ca.TLSCertificate(leaf, clientKey)
	inter := ca.IntermediatePool()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			c, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			_, err = c.Verify(x509.VerifyOptions{Roots: ca.Pool(), Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			return err
		},
	})
	if err != nil {
		return 0, 0, err
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				if err := conn.(*tls.Conn).Handshake(); err == nil {
					_, _ = conn.Write([]byte{1})
					_, _ = io.Copy(io.Discard, conn)
				}
			}()
		}
	}()
	dial := func(cache tls.ClientSessionCache) (bool, error) {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(), &tls.Config{
			RootCAs: ca.Pool(), Certificates: []tls.Certificate{clientCert}, ClientSessionCache: cache, MinVersion: tls.VersionTLS12})
		if err != nil {
			return false, err
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		// Read the server's byte so that the server's side of the handshake is inside the timing too
		// (and, on TLS 1.3, the session ticket has arrived).
		if _, err := io.ReadFull(conn, make([]byte, 1)); err != nil {
			return false, err
		}
		return conn.ConnectionState().DidResume, nil
	}
	var derr error
	full = timeN(n, func() {
		if _, err := dial(nil); err != nil {
			derr = err
		}
	})
	cache := tls.NewLRUClientSessionCache(4)
	if _, err := dial(cache); err != nil {
		return 0, 0, err
	}
	var notResumed bool
	resumed = timeN(n, func() {
		r, err := dial(cache)
		if err != nil {
			derr = err
		}
		notResumed = notResumed || !r
	})
	if derr != nil {
		return 0, 0, fmt.Errorf("opcost handshake: %w", derr)
	}
	if notResumed {
		return full, 0, errors.New("opcost: a handshake with a session cache did not resume")
	}
	return full, resumed, nil
}
