package main

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestChildArgs(t *testing.T) {
	if got, err := childArgs(nil); err != nil || got != nil {
		t.Fatalf("no arguments: %q %v", got, err)
	}
	if got, err := childArgs([]string{"--", "nginx", "-g", "daemon off;"}); err != nil || len(got) != 3 || got[0] != "nginx" {
		t.Fatalf("-- nginx ...: %q %v", got, err)
	}
	for _, bad := range [][]string{{"nginx"}, {"--"}} {
		if _, err := childArgs(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// runSupervised runs supervise in the background and returns its result channel.
func runSupervised(args []string, signals chan os.Signal, dns chan error) chan int {
	done := make(chan int, 1)
	go func() { done <- supervise(args, signals, dns) }()
	return done
}

func waitCode(t *testing.T, done chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("supervise did not return within 10 s")
		return -1
	}
}

// waitFile polls for the file a child writes once it is ready for signals.
func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

func TestSuperviseReturnsTheChildsExitCode(t *testing.T) {
	if code := waitCode(t, runSupervised([]string{"sh", "-c", "exit 7"}, make(chan os.Signal), make(chan error))); code != 7 {
		t.Fatalf("exit code %d, want 7", code)
	}
	if code := waitCode(t, runSupervised([]string{"/nonexistent/nginx"}, make(chan os.Signal), make(chan error))); code != 127 {
		t.Fatalf("a command that cannot start: %d, want 127", code)
	}
}

func TestSupervisePassesSignalsOn(t *testing.T) {
	dir := t.TempDir()
	ready, seen := filepath.Join(dir, "ready"), filepath.Join(dir, "seen")
	// HUP is noted and the child goes on (a reload); TERM ends it with 143 (128 + 15).
	script := `trap 'echo hup >> ` + seen + `' HUP; trap 'exit 143' TERM; : > ` + ready + `; while :; do sleep 0.05; done`
	signals := make(chan os.Signal, 1)
	done := runSupervised([]string{"sh", "-c", script}, signals, make(chan error))
	waitFile(t, ready)
	signals <- syscall.SIGHUP
	waitFile(t, seen)
	signals <- syscall.SIGTERM
	if code := waitCode(t, done); code != 143 {
		t.Fatalf("after TERM: %d, want 143", code)
	}
}

func TestSuperviseStopsTheChildWhenDNSFails(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	dns := make(chan error, 1)
	done := runSupervised([]string{"sh", "-c", `: > ` + ready + `; while :; do sleep 0.05; done`}, make(chan os.Signal), dns)
	waitFile(t, ready)
	dns <- errors.New("use of closed network connection")
	if code := waitCode(t, done); code != 1 {
		t.Fatalf("after the DNS server failed: %d, want 1", code)
	}
}
