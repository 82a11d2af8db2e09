//go:build !linux

package main

// becomeSubreaper is Linux-only; elsewhere (developer machines) only PID 1
// semantics apply.
func becomeSubreaper() {}
