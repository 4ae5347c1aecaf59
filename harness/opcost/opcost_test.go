package opcost_test

import (
	"testing"

	"github.com/dcrconform/dcrconform/harness/opcost"
	"github.com/dcrconform/dcrconform/harness/opcount"
)

func TestMeasureCostsEveryOp(t *testing.T) {
	c, err := opcost.Measure(1)
	if err != nil {
		t.Fatal(err)
	}
	for op := range opcount.NumOps {
		if c[op] <= 0 {
			t.Errorf("%s: cost %v, want > 0", op, c[op])
		}
	}
	var n opcount.Counts
	n[opcount.RSAKeyGen], n[opcount.TLSHandshake] = 2, 3
	if got, want := c.Floor(n), 2*c[opcount.RSAKeyGen]+3*c[opcount.TLSHandshake]; got != want {
		t.Fatalf("floor %v, want %v", got, want)
	}
}
