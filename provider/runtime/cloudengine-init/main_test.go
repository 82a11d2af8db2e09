package main

import (
	"bytes"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
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

// testApp serves 200 on all interfaces for the first TEST_APP_HEALTHY_REQUESTS
// requests, then 500. Counting requests (not time) keeps the test
// deterministic however slowly the app starts.
func testApp() int {
	healthy, _ := strconv.ParseInt(os.Getenv("TEST_APP_HEALTHY_REQUESTS"), 10, 64)
	var served atomic.Int64
	err := http.ListenAndServe(":"+os.Getenv("LEANCLOUD_APP_PORT"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > healthy {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	os.Stderr.WriteString(err.Error() + "\n")
	return 1
}

func TestLoadConfigDefaults(t *testing.T) {
	c := loadConfig(func(string) string { return "" }, func(m string) { t.Errorf("warning: %s", m) })
	want := config{healthPath: "/", probeTimeout: 3 * time.Second, startupTimeout: 30 * time.Second, interval: 5 * time.Second,
		failures: 3, stopGrace: 10 * time.Second, lineMax: 4096, linesPerMinute: 600}
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
