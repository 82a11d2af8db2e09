package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the programs the end-to-end tests need:
// TEST_ROLE=init makes it behave as /cloudengine/init, TEST_ROLE=app as a
// small web app (see testApp). This avoids a separate `go build`.
func TestMain(m *testing.M) {
	switch os.Getenv("CLOUDENGINE_INIT_TEST_ROLE") {
	case "init":
		os.Exit(realMain(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	case "app":
		os.Exit(testApp())
	}
	os.Exit(m.Run())
}

// testApp is a small web app on all interfaces. "/" answers 200 to the first
// TEST_APP_HEALTHY_REQUESTS requests, then 500: counting requests (not time)
// keeps tests deterministic however slowly the app starts. /health follows a
// switch the test flips with /sick and /well (TEST_APP_SICK: start sick);
// /hello answers "hello"; /slow?ms=N answers after N ms. It prints "ready"
// once listening and exits at once on SIGTERM, like a naive app, printing
// "app got SIGTERM" so tests can tell when the signal arrived.
func testApp() int {
	healthy, _ := strconv.ParseInt(os.Getenv("TEST_APP_HEALTHY_REQUESTS"), 10, 64)
	var served atomic.Int64
	var sick atomic.Bool
	sick.Store(os.Getenv("TEST_APP_SICK") != "")
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > healthy {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/sick", func(w http.ResponseWriter, r *http.Request) { sick.Store(true) })
	mux.HandleFunc("/well", func(w http.ResponseWriter, r *http.Request) { sick.Store(false) })
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		fmt.Println("slow request started")
		time.Sleep(time.Duration(ms) * time.Millisecond)
		_, _ = io.WriteString(w, "slow done")
	})

	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		<-term
		fmt.Println("app got SIGTERM")
		os.Exit(0)
	}()
	ln, err := net.Listen("tcp", ":"+os.Getenv("LEANCLOUD_APP_PORT"))
	if err == nil {
		fmt.Println("ready")
		err = http.Serve(ln, mux)
	}
	os.Stderr.WriteString(err.Error() + "\n")
	return 1
}

func TestLoadConfigDefaults(t *testing.T) {
	c := loadConfig(func(string) string { return "" }, func(m string) { t.Errorf("warning: %s", m) })
	want := config{healthPath: "/", probeTimeout: 3 * time.Second, startupTimeout: 30 * time.Second, interval: 5 * time.Second,
		failures: 3, stopGrace: 10 * time.Second, lineMax: 4096, linesPerMinute: 600, servePort: 0, drain: 3 * time.Second}
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
}

func TestLoadConfigOverridesAndBadValues(t *testing.T) {
	env := map[string]string{
		"LEANCLOUD_APP_PORT":               "3000",
		"CLOUDENGINE_HEALTH_PATH":          "__engine/1/ping",
		"CLOUDENGINE_STARTUP_TIMEOUT":      "1.5",
		"CLOUDENGINE_HEALTH_INTERVAL":      "0",
		"CLOUDENGINE_HEALTH_FAILURES":      "zero",
		"CLOUDENGINE_LOG_LINES_PER_MINUTE": "0",
		"CLOUDENGINE_LOG_LINE_MAX":         "-1",
	}
	var warnings []string
	c := loadConfig(func(k string) string { return env[k] }, func(m string) { warnings = append(warnings, m) })
	if c.port != 3000 || c.healthPath != "/__engine/1/ping" || c.startupTimeout != 1500*time.Millisecond ||
		c.interval != 0 || c.failures != 3 || c.linesPerMinute != 0 || c.lineMax != 4096 {
		t.Fatalf("%+v", c)
	}
	if len(warnings) != 2 {
		t.Fatalf("want 2 warnings (failures, line max), got %q", warnings)
	}
}

func TestLoadConfigServingGate(t *testing.T) {
	for _, tc := range []struct {
		port, drain string
		wantPort    int
		wantDrain   time.Duration
		warnings    int
	}{
		{"", "", 0, 3 * time.Second, 0},
		{"0", "0", 0, 0, 0},
		{"61000", "0.25", 61000, 250 * time.Millisecond, 0},
		{"70000", "soon", -1, 3 * time.Second, 2},
		{"http", "-1", -1, 3 * time.Second, 2},
	} {
		env := map[string]string{"CLOUDENGINE_SERVE_PORT": tc.port, "CLOUDENGINE_DRAIN_SECONDS": tc.drain}
		var warnings []string
		c := loadConfig(func(k string) string { return env[k] }, func(m string) { warnings = append(warnings, m) })
		if c.servePort != tc.wantPort || c.drain != tc.wantDrain || len(warnings) != tc.warnings {
			t.Errorf("%+v: servePort %d drain %s warnings %q", tc, c.servePort, c.drain, warnings)
		}
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := realMain([]string{"version"}, os.Getenv, nil, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "cloudengine-init ") {
		t.Fatalf("version: code %d out %q", code, out.String())
	}
	if code := realMain([]string{"bogus"}, os.Getenv, nil, &out, &errb); code != 2 {
		t.Fatalf("unknown command: code %d", code)
	}
	if code := realMain([]string{"run", "--"}, os.Getenv, nil, &out, &errb); code != 2 {
		t.Fatalf("run without command: code %d", code)
	}
}

func TestProbeCommand(t *testing.T) {
	var out bytes.Buffer
	port := freePort(t)
	env := map[string]string{"LEANCLOUD_APP_PORT": itoa(port)}
	code := realMain([]string{"probe"}, func(k string) string { return env[k] }, nil, &out, &out)
	if code != 1 || !strings.HasPrefix(out.String(), "unhealthy: no process listens on port "+itoa(port)) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("code %d out %q", code, out.String())
	}
}
