//go:build !linux

package zio

import "os"

// isTerminal is not implemented here: standard input is always read.
func isTerminal(*os.File) bool { return false }
