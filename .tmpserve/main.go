package main

import (
	"fmt"
	"os"
	"time"

	"github.com/dcrconform/dcrconform/harness/hostile"
)

func main() {
	s, err := hostile.Start(hostile.Mode(os.Args[1]), hostile.Options{})
	if err != nil {
		panic(err)
	}
	os.WriteFile(os.Args[2], s.CAPEM, 0o644)
	fmt.Println(s.URL)
	time.Sleep(time.Hour)
}
