package framework

import (
	"crypto/tls"
	"sync"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
)

var (
	otherCAOnce sync.Once
	otherCA     *pki.CA
	otherCAErr  error
)

// FaultyTransport is sw's transport certificate minted again, for the same key and subject, wrong as
// fault says: issued by a CA of the harness's own that no bank trusts (pki.CertOtherCA), or, from the
// directory's CA, as the pki.CertFault says (expired, not yet valid, without clientAuth in its extended
// key usage or its key usage; or, no fault, valid past 2049). The spec is
// skipped when the target's directory cannot issue certificates to order.
func (f *Framework) FaultyTransport(sw *target.Software, fault pki.CertFault) *tls.Certificate {
	if fault == pki.CertOtherCA {
		otherCAOnce.Do(func() { otherCA, otherCAErr = pki.NewCA("dcrconform untrusted") })
		if otherCAErr != nil {
			f.Failf("to make a CA of the harness's own", "%v", otherCAErr)
		}
		cert, err := target.OtherCATransport(otherCA, sw)
		if err != nil {
			f.Skipf("the software's transport certificate cannot be reissued: %v", err)
		}
		return cert
	}
	issuer, ok := f.Target.Directory.(target.TransportIssuer)
	if !ok {
		f.Skipf("needs a directory that issues transport certificates to order (the embedded mock directory); this target's cannot")
	}
	cert, err := issuer.IssueFaultyTransport(f.Ctx, sw, fault)
	if err != nil {
		f.Skipf("the directory did not issue a %s certificate: %v", fault, err)
	}
	return cert
}
