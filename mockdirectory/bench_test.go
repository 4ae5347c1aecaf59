package mockdirectory

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkIssueSSA is the UK SSA issuance rate (claims, JSON, PS256 signature, serialisation) ...
func BenchmarkIssueSSA(b *testing.B) {
	f := sharedFixture(b)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ssa/s")
}

// ... beside BenchmarkRawPS256Sign, the raw RSA-PSS SHA-256 signing rate of the same directory key.
func BenchmarkRawPS256Sign(b *testing.B) {
	f := sharedFixture(b)
	k, err := f.d.SigningKey("PS256")
	if err != nil {
		b.Fatal(err)
	}
	key := k.Signer.(*rsa.PrivateKey)
	digest := sha256.Sum256([]byte("header.payload"))
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sig/s")
}

// BenchmarkIssueVsRawSign alternates the two in one loop and reports issuance as a share of raw signing,
// from the median time of each (robust to the preemption a shared machine adds to some iterations).
func BenchmarkIssueVsRawSign(b *testing.B) {
	f := sharedFixture(b)
	k, _ := f.d.SigningKey("PS256")
	key := k.Signer.(*rsa.PrivateKey)
	digest := sha256.Sum256([]byte("header.payload"))
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	var issue, raw []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], opts); err != nil {
			b.Fatal(err)
		}
		issue, raw = append(issue, t1.Sub(t0)), append(raw, time.Since(t1))
	}
	mi, mr := median(issue), median(raw)
	b.ReportMetric(1/mi.Seconds(), "ssa/s")
	b.ReportMetric(1/mr.Seconds(), "sig/s")
	b.ReportMetric(100*mr.Seconds()/mi.Seconds(), "issue%ofraw")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkKeySetOverLoopback is the rate of key set requests over loopback HTTP (keep-alive, parallel).
func BenchmarkKeySetOverLoopback(b *testing.B) {
	f := sharedFixture(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := f.srv.URL + OrgJWKSPath(f.org.ID)
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
