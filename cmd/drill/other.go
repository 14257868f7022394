//go:build !linux

package main

import (
	"fmt"
	"os"
)

// main refuses: the Lambda Runtime Interface Emulator runs on Linux only.
func main() {
	fmt.Fprintln(os.Stderr, "drill: the Lambda Runtime Interface Emulator runs on Linux only")
	os.Exit(2)
}
