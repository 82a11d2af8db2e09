// Command init is /cloudengine/init, the entrypoint of every Cloud Engine app
// image. It runs the app's command under supervision (log limits, health
// checks, signal forwarding, zombie reaping) and doubles as the Docker
// HEALTHCHECK probe, so both share one definition of "healthy". On Docker it
// also gives the load balancer a readiness signal of its own: a serving gate
// that accepts traffic only while the app is healthy and drains on stop.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// version is overridden at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

const usage = `usage:
  init run -- <command> [args...]   run and supervise the app
  init probe                        one health check (exit 0 healthy, 1 unhealthy)
  init version                      print the version

With CLOUDENGINE_SERVE_PORT set, run listens on that port only while the app's
health check passes and forwards each connection to the app; on SIGTERM or
SIGINT it stops accepting, waits CLOUDENGINE_DRAIN_SECONDS (default 3; a second
signal cuts the wait short), then passes the signal on to the app.
`

func main() {
	os.Exit(realMain(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

func realMain(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	warn := func(msg string) { fmt.Fprintln(stderr, "cloudengine: "+msg) }
	switch args[0] {
	case "run":
		argv := args[1:]
		if len(argv) > 0 && argv[0] == "--" {
			argv = argv[1:]
		}
		if len(argv) == 0 {
			fmt.Fprint(stderr, "cloudengine: run needs a command after --\n"+usage)
			return 2
		}
		return runApp(argv, loadConfig(getenv, warn), stdin, stdout, stderr)
	case "probe":
		cfg := loadConfig(getenv, warn)
		if cfg.port == 0 {
			fmt.Fprintln(stdout, "unhealthy: LEANCLOUD_APP_PORT is not set, so there is no port to check")
			return 1
		}
		r := check(cfg.probeTarget(ownIPv4()))
		if r.Healthy {
			fmt.Fprintln(stdout, "healthy: "+r.Message)
			return 0
		}
		fmt.Fprintln(stdout, "unhealthy: "+r.Message)
		return 1
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "cloudengine-init %s\n", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "cloudengine: unknown command %q\n%s", args[0], usage)
	return 2
}

// config is everything the environment can tune. Invalid values fall back to
// the default with a warning rather than failing: a typo in an env var must
// not stop the app from starting.
type config struct {
	port           int // 0: LEANCLOUD_APP_PORT unset, no health supervision
	healthPath     string
	probeTimeout   time.Duration
	startupTimeout time.Duration // 0: wait for the first success forever
	interval       time.Duration // 0: no periodic checks after start-up
	failures       int
	stopGrace      time.Duration // SIGTERM → SIGKILL delay
	lineMax        int           // 0: lines are not cut
	linesPerMinute int           // 0: unlimited
	servePort      int           // 0: no serving gate; -1: invalid, init refuses to run
	drain          time.Duration // gate only: stop signal → forwarded to the app
	terminationLog string        // where the reason for a health stop is also written ("": nowhere)
}

func loadConfig(getenv func(string) string, warn func(string)) config {
	c := config{
		healthPath:     "/",
		probeTimeout:   3 * time.Second,
		startupTimeout: envSeconds(getenv, warn, "CLOUDENGINE_STARTUP_TIMEOUT", 30),
		interval:       envSeconds(getenv, warn, "CLOUDENGINE_HEALTH_INTERVAL", 5),
		failures:       envInt(getenv, warn, "CLOUDENGINE_HEALTH_FAILURES", 3),
		stopGrace:      envSeconds(getenv, warn, "CLOUDENGINE_STOP_TIMEOUT", 10),
		lineMax:        envInt(getenv, warn, "CLOUDENGINE_LOG_LINE_MAX", 4096),
		linesPerMinute: envInt(getenv, warn, "CLOUDENGINE_LOG_LINES_PER_MINUTE", 600),
		drain:          envSeconds(getenv, warn, "CLOUDENGINE_DRAIN_SECONDS", 3),
		// Kubernetes: /dev/termination-log, so the pod's status (and what deploy tools print) says why.
		terminationLog: getenv("CLOUDENGINE_TERMINATION_LOG"),
	}
	if p := getenv("CLOUDENGINE_HEALTH_PATH"); p != "" {
		if p[0] != '/' {
			p = "/" + p
		}
		c.healthPath = p
	}
	if c.failures < 1 {
		warn("CLOUDENGINE_HEALTH_FAILURES must be at least 1; using 3")
		c.failures = 3
	}
	if s := getenv("LEANCLOUD_APP_PORT"); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			warn(fmt.Sprintf("LEANCLOUD_APP_PORT=%q is not a valid port; health checks are disabled", s))
		} else {
			c.port = p
		}
	}
	if s := getenv("CLOUDENGINE_SERVE_PORT"); s != "" {
		// Unlike the settings above, no fallback: without its gate the
		// instance gets no traffic at all, so runApp fails loudly instead.
		p, err := strconv.Atoi(s)
		if err != nil || p < 0 || p > 65535 {
			warn(fmt.Sprintf("CLOUDENGINE_SERVE_PORT=%q is not a valid port", s))
			p = -1
		}
		c.servePort = p
	}
	return c
}

func (c config) probeTarget(host string) probeTarget {
	return probeTarget{Host: host, Port: c.port, Path: c.healthPath, Timeout: c.probeTimeout}
}

func envInt(getenv func(string) string, warn func(string), name string, def int) int {
	s := getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		warn(fmt.Sprintf("%s=%q is not a non-negative integer; using %d", name, s, def))
		return def
	}
	return n
}

// envSeconds accepts fractional seconds so tests (and impatient users) can
// use sub-second intervals.
func envSeconds(getenv func(string) string, warn func(string), name string, def float64) time.Duration {
	s := getenv(name)
	f := def
	if s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || v > 86400 {
			warn(fmt.Sprintf("%s=%q is not a number of seconds; using %g", name, s, def))
		} else {
			f = v
		}
	}
	return time.Duration(f * float64(time.Second))
}
