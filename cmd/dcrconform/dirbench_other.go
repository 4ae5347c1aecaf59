//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// peakRSS is unknown on this platform.
func peakRSS(*os.ProcessState) int64 { return 0 }
