package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// End-to-end tests of the serving gate and the drain: init runs the test app
// (see testApp) with CLOUDENGINE_SERVE_PORT set.

const testAppScript = `CLOUDENGINE_INIT_TEST_ROLE=app exec "$TEST_BIN"`

func gateEnv(appPort, servePort int, extra ...string) []string {
	return append([]string{"LEANCLOUD_APP_PORT=" + itoa(appPort), "CLOUDENGINE_SERVE_PORT=" + itoa(servePort),
		"CLOUDENGINE_HEALTH_PATH=/health"}, extra...)
}

func accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitFor polls cond every 10ms and reports whether it held within d.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// waitLine reads the app's stdout until want and returns when it arrived.
func waitLine(t *testing.T, lines <-chan string, want string) time.Time {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before %q", want)
			}
			if l == want {
				return time.Now()
			}
		case <-timeout:
			t.Fatalf("no %q within 10s", want)
		}
	}
}

func appCall(t *testing.T, appPort int, path string) {
	t.Helper()
	resp, err := http.Get("http://127.0.0.1:" + itoa(appPort) + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func waitExit(t *testing.T, cmd *exec.Cmd, lines <-chan string) int {
	t.Helper()
	for range lines {
	}
	_ = cmd.Wait()
	return cmd.ProcessState.ExitCode()
}

func TestServingGateFollowsHealth(t *testing.T) {
	t.Parallel()
	appPort, servePort := freePort(t), freePort(t)
	cmd, lines, stderr, cancel := startInit(t, testAppScript, gateEnv(appPort, servePort, "TEST_APP_SICK=1",
		"CLOUDENGINE_HEALTH_INTERVAL=0.2", "CLOUDENGINE_HEALTH_FAILURES=1000", "CLOUDENGINE_DRAIN_SECONDS=0")...)
	defer cancel()
	addr := "127.0.0.1:" + itoa(servePort)

	// The app is up but sick: every start-up check (one per second) fails,
	// and the gate refuses throughout.
	if waitFor(1200*time.Millisecond, func() bool { return !refused(addr) }) {
		t.Fatal("the gate did not refuse connections before the app was healthy")
	}
	appCall(t, appPort, "/well")
	if !waitFor(3*time.Second, func() bool { return accepts(addr) }) {
		t.Fatal("the gate did not open after the app became healthy")
	}
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for i := 0; i < 2; i++ { // keep-alive: two requests, one connection
		if got := get(t, c, br, "/hello"); got != "hello" {
			t.Fatalf("through the gate: %q", got)
		}
	}

	appCall(t, appPort, "/sick")
	if !waitFor(2*time.Second, func() bool { return refused(addr) }) {
		t.Fatal("the gate still accepts after a failed health check")
	}
	if got := get(t, c, br, "/hello"); got != "hello" {
		t.Fatalf("open connection after the gate closed: %q", got)
	}
	appCall(t, appPort, "/well")
	if !waitFor(2*time.Second, func() bool { return accepts(addr) }) {
		t.Fatal("the gate did not reopen after a passing health check")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLine(t, lines, "app got SIGTERM")
	if code := waitExit(t, cmd, lines); code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr)
	}
	for _, want := range []string{"accepting connections on 0.0.0.0:" + itoa(servePort) + " (forwarding to the app at ",
		"refusing new connections on 0.0.0.0:" + itoa(servePort) + " until the health check passes again",
		"accepting connections on 0.0.0.0:" + itoa(servePort) + " again", "stopping: no new connections; draining for 0s"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestDrainOnStop(t *testing.T) {
	t.Parallel()
	appPort, servePort := freePort(t), freePort(t)
	cmd, lines, stderr, cancel := startInit(t, testAppScript, gateEnv(appPort, servePort, "CLOUDENGINE_DRAIN_SECONDS=0.3")...)
	defer cancel()
	addr := "127.0.0.1:" + itoa(servePort)
	if !waitFor(5*time.Second, func() bool { return accepts(addr) }) {
		t.Fatal("the gate never opened")
	}
	c := dial(t, addr)
	if _, err := io.WriteString(c, "GET /slow?ms=100 HTTP/1.1\r\nHost: app\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, lines, "slow request started")

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !waitFor(250*time.Millisecond, func() bool { return refused(addr) }) {
		t.Fatal("the gate still accepts after SIGTERM")
	}
	refusedAfter := time.Since(sent)
	// The in-flight request on the open connection completes: the naive
	// app dies on SIGTERM, so this proves the signal was held back.
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("in-flight request cut: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != "slow done" {
		t.Fatalf("in-flight request: %q %v", body, err)
	}
	signalledAfter := waitLine(t, lines, "app got SIGTERM").Sub(sent)
	if signalledAfter < 300*time.Millisecond || signalledAfter > 3*time.Second {
		t.Fatalf("the app got SIGTERM %s after init did, want the 300ms drain", signalledAfter)
	}
	t.Logf("gate refused after %s, app signalled after %s", refusedAfter, signalledAfter)
	if code := waitExit(t, cmd, lines); code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr)
	}
	if want := "cloudengine: stopping: no new connections; draining for 0.3s\n"; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr lacks %q:\n%s", want, stderr)
	}
}

func TestSecondSignalEndsDrain(t *testing.T) {
	t.Parallel()
	appPort, servePort := freePort(t), freePort(t)
	cmd, lines, stderr, cancel := startInit(t, testAppScript, gateEnv(appPort, servePort, "CLOUDENGINE_DRAIN_SECONDS=20")...)
	defer cancel()
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if !waitFor(time.Second, func() bool { return refused("127.0.0.1:" + itoa(servePort)) }) {
		t.Fatal("the gate accepts while draining")
	}
	time.Sleep(100 * time.Millisecond) // two pending SIGTERMs would merge into one
	_ = cmd.Process.Signal(syscall.SIGINT)
	waitLine(t, lines, "app got SIGTERM")
	if code := waitExit(t, cmd, lines); code != 0 || time.Since(start) > 5*time.Second {
		t.Fatalf("exit code %d after %s\n%s", code, time.Since(start), stderr)
	}
	if !strings.Contains(stderr.String(), "second stop signal; ending the drain now") {
		t.Fatalf("stderr %q", stderr)
	}
}

func TestGateDisabledForwardsAtOnce(t *testing.T) {
	t.Parallel()
	for _, port := range []string{"", "0"} {
		cmd, lines, stderr, cancel := startInit(t, `echo ready; exec sleep 30`, "CLOUDENGINE_SERVE_PORT="+port, "CLOUDENGINE_DRAIN_SECONDS=10")
		start := time.Now()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		code := waitExit(t, cmd, lines)
		cancel()
		if code != 128+int(syscall.SIGTERM) || time.Since(start) > 2*time.Second || strings.Contains(stderr.String(), "drain") {
			t.Fatalf("CLOUDENGINE_SERVE_PORT=%q: code %d after %s, stderr %q", port, code, time.Since(start), stderr)
		}
	}
}

func TestGateCannotServeExits(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	appPort := freePort(t)
	for _, tc := range []struct{ servePort, want string }{
		{itoa(busyPort), "cannot listen on 0.0.0.0:" + itoa(busyPort) + " (CLOUDENGINE_SERVE_PORT): "},
		{"65536", "CLOUDENGINE_SERVE_PORT is not a valid port, so the instance cannot take traffic; exiting"},
		{itoa(appPort), "CLOUDENGINE_SERVE_PORT and LEANCLOUD_APP_PORT are both " + itoa(appPort)},
	} {
		code, out, errb, took := runInit(t, `echo started`, "LEANCLOUD_APP_PORT="+itoa(appPort), "CLOUDENGINE_SERVE_PORT="+tc.servePort)
		if code != 1 || out != "" || !strings.Contains(errb, tc.want) || took > 3*time.Second {
			t.Errorf("CLOUDENGINE_SERVE_PORT=%s: code %d stdout %q stderr %q after %s", tc.servePort, code, out, errb, took)
		}
	}
}
