package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// With `-- command...`, cloudengine-ready is the container's first process and
// runs the proxy (nginx) beside its DNS server: one container, one lifetime.
// Signals the container gets (stop, reload, log reopen) go to the proxy; the
// proxy's exit status is the container's; if the DNS server fails, the proxy
// is stopped too, so the container ends instead of serving with stale answers.

// forwarded: every signal a container runtime or an operator sends to mean something to nginx.
var forwarded = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// supervise starts args and returns its exit code. signals are passed on; an
// error on dnsFailed stops the child (SIGTERM) and makes the result 1. As the
// first process it also reaps any orphan that ends up as its child.
func supervise(args []string, signals <-chan os.Signal, dnsFailed <-chan error) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "cloudengine-ready: cannot start", args[0]+":", err)
		return 127
	}
	pid := cmd.Process.Pid
	exited := make(chan int, 1)
	go func() { exited <- waitFor(pid) }()
	failed := false
	for {
		select {
		case code := <-exited:
			if failed {
				return 1
			}
			return code
		case s := <-signals:
			_ = cmd.Process.Signal(s)
		case err := <-dnsFailed:
			fmt.Fprintln(os.Stderr, "cloudengine-ready: the DNS server stopped, stopping", args[0]+":", err)
			failed = true
			dnsFailed = nil
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
	}
}

// waitFor reaps every child until pid itself exits, and returns pid's exit code
// (128 + signal when killed by one, as shells report it).
func waitFor(pid int) int {
	for {
		var status syscall.WaitStatus
		got, err := syscall.Wait4(-1, &status, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 1 // ECHILD: nothing left to wait for
		}
		if got != pid {
			continue
		}
		if status.Signaled() {
			return 128 + int(status.Signal())
		}
		return status.ExitStatus()
	}
}

// runWithChild serves DNS on pc and supervises args; the process exits with the child's code.
func runWithChild(args []string, serveDNS func() error) {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, forwarded...)
	dnsFailed := make(chan error, 1)
	go func() { dnsFailed <- serveDNS() }()
	os.Exit(supervise(args, signals, dnsFailed))
}
