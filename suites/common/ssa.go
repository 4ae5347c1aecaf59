package common

import (
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// SelfSignedSSA is sw's valid SSA re-signed with the software's own signing key (its kid, a key of the
// set the SSA itself names) instead of the directory's: software vouching for itself.
func SelfSignedSSA(f *framework.Framework, sw *target.Software) string {
	if sw.SigningKey.Signer == nil {
		f.Skipf("the software has no signing key of the harness to sign its own SSA with")
	}
	_, claims, err := joseutil.Decode(f.SSA(sw, mockdirectory.SSAOptions{}))
	if err != nil {
		f.Failf("an SSA the harness can decode, to re-sign", "%v", err)
	}
	ssa, err := joseutil.Sign(claims, sw.SigningKey, "JWT")
	if err != nil {
		f.Failf("to sign the SSA with the software's key", "%v", err)
	}
	return ssa
}
