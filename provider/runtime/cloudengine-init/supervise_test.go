package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

// initCmd runs the test binary as `init run -- sh -c script` with a clean
// environment plus env.
func initCmd(t *testing.T, script string, env ...string) (*exec.Cmd, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, os.Args[0], "run", "--", "sh", "-c", script)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CLOUDENGINE_") && !strings.HasPrefix(kv, "LEANCLOUD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CLOUDENGINE_INIT_TEST_ROLE=init", "TEST_BIN="+os.Args[0])
	cmd.Env = append(cmd.Env, env...)
	return cmd, cancel
}

func runInit(t *testing.T, script string, env ...string) (code int, stdout, stderr string, took time.Duration) {
	t.Helper()
	cmd, cancel := initCmd(t, script, env...)
	defer cancel()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String(), took
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String(), took
}

func TestRunExitCodeAndStreams(t *testing.T) {
	t.Parallel()
	code, out, errb, _ := runInit(t, `echo out; echo err >&2; echo 1234567890; printf par; exit 7`,
		"CLOUDENGINE_LOG_LINE_MAX=5")
	if code != 7 {
		t.Fatalf("exit code %d, want 7", code)
	}
	if out != "out\n12345\npar" {
		t.Fatalf("stdout %q", out)
	}
	if !strings.Contains(errb, "\nerr\n") && !strings.HasPrefix(errb, "err\n") || strings.Contains(errb, "out") {
		t.Fatalf("stderr %q", errb)
	}
}

func TestRunRateLimitNotice(t *testing.T) {
	t.Parallel()
	code, out, errb, _ := runInit(t, `for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; done`, "CLOUDENGINE_LOG_LINES_PER_MINUTE=3")
	if code != 0 || out != "line1\nline2\nline3\n" {
		t.Fatalf("code %d stdout %q", code, out)
	}
	if !strings.Contains(errb, "dropped 7 log line(s) in the last minute: the limit is 3 lines per minute") {
		t.Fatalf("stderr %q", errb)
	}
}

func TestRunCommandNotFound(t *testing.T) {
	t.Parallel()
	cmd, cancel := initCmd(t, "")
	defer cancel()
	cmd.Args = []string{os.Args[0], "run", "--", "/nonexistent/app"}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	_ = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 127 || !strings.Contains(errb.String(), "cannot start") {
		t.Fatalf("code %d stderr %q", code, errb.String())
	}
}

// startInit starts init and returns once the app has printed "ready".
func startInit(t *testing.T, script string, env ...string) (cmd *exec.Cmd, lines <-chan string, stderr *bytes.Buffer, cancel context.CancelFunc) {
	t.Helper()
	cmd, cancel = initCmd(t, script, env...)
	stderr = &bytes.Buffer{}
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	select {
	case l := <-ch:
		if l != "ready" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("app never printed ready")
	}
	return cmd, ch, stderr, cancel
}

func TestSignalForwarding(t *testing.T) {
	t.Parallel()
	t.Run("handled by the app", func(t *testing.T) {
		t.Parallel()
		cmd, lines, _, cancel := startInit(t, `trap 'echo got HUP; exit 42' HUP; echo ready; while :; do sleep 0.05; done`)
		defer cancel()
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		var got []string
		for l := range lines {
			got = append(got, l)
		}
		err := cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 42 || strings.Join(got, "|") != "got HUP" {
			t.Fatalf("code %d (%v) output %q", code, err, got)
		}
	})
	t.Run("app killed by the signal", func(t *testing.T) {
		t.Parallel()
		cmd, lines, _, cancel := startInit(t, `echo ready; exec sleep 30`)
		defer cancel()
		start := time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		for range lines {
		}
		_ = cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGTERM) {
			t.Fatalf("exit code %d, want %d", code, 128+int(syscall.SIGTERM))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %s to stop", d)
		}
	})
}

func TestStartupTimeoutStopsApp(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	code, _, errb, took := runInit(t, `exec sleep 30`,
		"LEANCLOUD_APP_PORT="+itoa(port), "CLOUDENGINE_STARTUP_TIMEOUT=1.5")
	want := "app did not become healthy within the 1.5s startup timeout (CLOUDENGINE_STARTUP_TIMEOUT): no process listens on port " + itoa(port)
	if code != 1 || !strings.Contains(errb, want) {
		t.Fatalf("code %d stderr %q, want %q", code, errb, want)
	}
	if took < 1500*time.Millisecond || took > 6*time.Second {
		t.Fatalf("stopped after %s", took)
	}
}

func TestStartupTimeoutReasonInTerminationLog(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	logFile := filepath.Join(t.TempDir(), "termination-log")
	if err := os.WriteFile(logFile, []byte("stale\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, _, _ := runInit(t, `exec sleep 30`,
		"LEANCLOUD_APP_PORT="+itoa(port), "CLOUDENGINE_STARTUP_TIMEOUT=1", "CLOUDENGINE_TERMINATION_LOG="+logFile)
	got, err := os.ReadFile(logFile)
	want := "cloudengine: app did not become healthy within the 1s startup timeout (CLOUDENGINE_STARTUP_TIMEOUT): no process listens on port " + itoa(port)
	if code != 1 || err != nil || !strings.HasPrefix(string(got), want) || strings.Contains(string(got), "stale") {
		t.Fatalf("code %d, termination log %q (%v), want %q", code, got, err, want)
	}
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	t.Parallel()
	// sh and its sleep both ignore SIGTERM, so only SIGKILL ends them.
	code, _, errb, took := runInit(t, `trap '' TERM; sleep 30`,
		"LEANCLOUD_APP_PORT="+itoa(freePort(t)), "CLOUDENGINE_STARTUP_TIMEOUT=1", "CLOUDENGINE_STOP_TIMEOUT=1")
	if code != 1 || !strings.Contains(errb, "did not exit within 1s of SIGTERM; sending SIGKILL") {
		t.Fatalf("code %d stderr %q", code, errb)
	}
	if took > 8*time.Second {
		t.Fatalf("took %s", took)
	}
}

func TestUnhealthyAppIsStopped(t *testing.T) {
	t.Parallel()
	code, _, errb, took := runInit(t, `CLOUDENGINE_INIT_TEST_ROLE=app exec "$TEST_BIN"`,
		"LEANCLOUD_APP_PORT="+itoa(freePort(t)), "TEST_APP_HEALTHY_REQUESTS=2",
		"CLOUDENGINE_STARTUP_TIMEOUT=10", "CLOUDENGINE_HEALTH_INTERVAL=0.3", "CLOUDENGINE_HEALTH_FAILURES=2")
	if code != 1 {
		t.Fatalf("exit code %d, stderr %q", code, errb)
	}
	for _, want := range []string{"app is healthy after", "health check failed (1/2)", "health check failed (2/2)",
		"instance unhealthy (2 consecutive failed health checks; last: GET / on ", "500 Internal Server Error", "— restarting"} {
		if !strings.Contains(errb, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if strings.Contains(errb, "(3/2)") || took > 8*time.Second {
		t.Fatalf("took %s, stderr %q", took, errb)
	}
}

// TestOrphansAreReaped checks the PID-1 duty: an orphaned grandchild is
// re-parented to init (as subreaper here, as PID 1 in a container) and does
// not stay a zombie after it exits.
func TestOrphansAreReaped(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc and PR_SET_CHILD_SUBREAPER")
	}
	t.Parallel()
	cmd, lines, _, cancel := startInit(t, `(sleep 0.6 &); echo ready; sleep 1.8`)
	defer cancel()
	initPid := cmd.Process.Pid
	time.Sleep(300 * time.Millisecond)
	if n := len(childrenOf(t, initPid, "")); n < 2 {
		t.Fatalf("init has %d children, want the app and the re-parented orphan", n)
	}
	time.Sleep(900 * time.Millisecond) // the orphan has exited by now
	if z := childrenOf(t, initPid, "Z"); len(z) != 0 {
		t.Fatalf("zombie children of init: %v", z)
	}
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// childrenOf lists pids whose parent is ppid (and whose state is state, if set).
func childrenOf(t *testing.T, ppid int, state string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// fields after "(comm)": state ppid ...
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == itoa(ppid) && (state == "" || f[0] == state) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Stopped from outside (the kubelet, docker stop) before the app was ever
// healthy: the termination message still says why it was not healthy.
func TestStopBeforeHealthyReasonInTerminationLog(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	logFile := filepath.Join(t.TempDir(), "termination-log")
	cmd, cancel := initCmd(t, `exec sleep 30`,
		"LEANCLOUD_APP_PORT="+itoa(port), "CLOUDENGINE_STARTUP_TIMEOUT=60", "CLOUDENGINE_TERMINATION_LOG="+logFile)
	defer cancel()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Init checks at once and then every second, quietly during start-up: after 1.5 s it has a diagnosis.
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	got, err := os.ReadFile(logFile)
	want := "cloudengine: stopped by SIGTERM "
	if err != nil || !strings.HasPrefix(string(got), want) || !strings.Contains(string(got), "before the app became healthy: no process listens on port "+itoa(port)) {
		t.Fatalf("termination log %q (%v)", got, err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit code %d, want the app's %d", code, 128+int(syscall.SIGTERM))
	}
}
