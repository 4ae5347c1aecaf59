package pki

import (
	"fmt"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/mockdirectory"
)
