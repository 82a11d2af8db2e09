package main

import "syscall"

// becomeSubreaper makes orphaned descendants reparent to us even when we are
// not PID 1 (e.g. under `docker run --init`), so we reap them instead of
// leaving zombies. As PID 1 the kernel does this anyway.
func becomeSubreaper() {
	const prSetChildSubreaper = 36
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}
