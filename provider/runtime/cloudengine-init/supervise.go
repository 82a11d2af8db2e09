package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// forwarded are the signals Docker and users send to stop or poke the app.
var forwarded = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT}

// isStop tells the platform's (and Ctrl-C's) request to stop, which the
// serving gate drains before passing on, from signals that only poke the app.
func isStop(s syscall.Signal) bool { return s == syscall.SIGTERM || s == syscall.SIGINT }

// drainTimeout bounds how long we wait for output after the app exits: a
// background grandchild may hold the pipes open forever.
const drainTimeout = time.Second

// runApp starts argv in its own process group with piped stdio, and returns
// the exit code init should exit with.
func runApp(argv []string, cfg config, stdin io.Reader, stdout, stderr io.Writer) int {
	logs := newLogCapper(cfg.lineMax, cfg.linesPerMinute, time.Now, stdout, stderr)
	host := ownIPv4()
	g, err := setUpGate(cfg, host, logs.Note)
	if err != nil {
		// Exiting makes Docker restart the container; an instance that can
		// never take traffic must not look alive.
		fmt.Fprintf(stderr, "cloudengine: %v; exiting\n", err)
		return 1
	}
	becomeSubreaper()

	inR, inW, err1 := os.Pipe()
	outR, outW, err2 := os.Pipe()
	errR, errW, err3 := os.Pipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		fmt.Fprintf(stderr, "cloudengine: cannot create pipes: %v\n", err)
		return 1
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	// Own process group: signals reach the whole app (sh -c and its
	// children), and a health stop can kill every process of it at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	// Subscribe before starting so an early SIGTERM is forwarded, not fatal.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "cloudengine: cannot start %q: %v\n", argv[0], err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127
		}
		return 126
	}
	inR.Close()
	outW.Close()
	errW.Close()
	pid := cmd.Process.Pid
	// We reap with wait4(-1) ourselves (to collect orphans too), so the
	// os.Process handle is never waited on.
	_ = cmd.Process.Release()

	go func() {
		if stdin != nil {
			_, _ = io.Copy(inW, stdin)
		}
		inW.Close() // the app sees EOF once our stdin ends
	}()
	var pumps sync.WaitGroup
	pump := func(r *os.File, s *lineStream) {
		defer pumps.Done()
		_, _ = io.Copy(s, r)
		r.Close()
	}
	pumps.Add(2)
	go pump(outR, logs.Stdout)
	go pump(errR, logs.Stderr)

	exited := make(chan struct{})
	var status syscall.WaitStatus
	go func() { status = reap(pid); close(exited) }()

	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				logs.Tick()
			case <-exited:
				return
			}
		}
	}()

	st := &stopper{pid: pid, grace: cfg.stopGrace, exited: exited, note: logs.Note, record: terminationRecorder(cfg.terminationLog)}
	startup := &startupChecks{start: time.Now()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if cfg.port == 0 {
		logs.Note("cloudengine: LEANCLOUD_APP_PORT is not set; health supervision is disabled")
		if g != nil {
			logs.Note("cloudengine: without health checks the serving gate never opens (CLOUDENGINE_SERVE_PORT)")
		}
	} else {
		policy := healthPolicy{StartupTimeout: cfg.startupTimeout, StartupPoll: time.Second, Interval: cfg.interval, Failures: cfg.failures}
		var ready func(bool) error
		if g != nil {
			ready = g.set
		}
		go superviseHealth(ctx, policy, func() probeResult { return startup.observe(check(cfg.probeTarget(host))) }, ready, logs.Note, st.stop)
	}

	stoppedBy := relaySignals(sigs, exited, g, cfg.drain, logs.Note, func(s syscall.Signal) { _ = syscall.Kill(-pid, s) })
	if g != nil {
		g.shutDown()
	}
	cancel()
	stoppedByInit := st.finish()
	if reason := startup.stoppedBefore(stoppedBy); reason != "" && !stoppedByInit && st.record != nil {
		st.record(reason)
	}

	drained := make(chan struct{})
	go func() { pumps.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drainTimeout):
	}
	logs.Close()

	if stoppedByInit {
		return 1
	}
	return exitCode(status)
}

// setUpGate returns the serving gate CLOUDENGINE_SERVE_PORT asks for (nil if
// none), closed, after checking that its port can be bound at all.
func setUpGate(cfg config, host string, note func(string)) (*gate, error) {
	switch {
	case cfg.servePort == 0:
		return nil, nil
	case cfg.servePort < 0:
		return nil, errors.New("CLOUDENGINE_SERVE_PORT is not a valid port, so the instance cannot take traffic")
	case cfg.servePort == cfg.port:
		return nil, fmt.Errorf("CLOUDENGINE_SERVE_PORT and LEANCLOUD_APP_PORT are both %d; the app needs a port of its own", cfg.port)
	}
	target := net.JoinHostPort(host, strconv.Itoa(cfg.port))
	g := newGate(cfg.servePort, target, cfg.probeTimeout, note)
	if err := g.preflight(); err != nil {
		return nil, err
	}
	return g, nil
}

// relaySignals forwards signals to the app until it exits. With a gate, the
// first stop signal shuts the gate and is held for the drain: the app keeps
// serving requests on open connections while the routers, refused, move on
// and their DNS caches forget this address (a vanished address would make
// them hang until their connect timeout). A second stop signal ends the drain
// early; it was meant for the drain, so only the held one reaches the app.
// It returns the first stop signal it got (0 if none).
func relaySignals(sigs <-chan os.Signal, exited <-chan struct{}, g *gate, drain time.Duration, note func(string), forward func(syscall.Signal)) (stoppedBy syscall.Signal) {
	var held syscall.Signal       // the stop signal waiting for the drain to end
	var drainEnd <-chan time.Time // non-nil while draining
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	stopping := false
	for {
		select {
		case sig := <-sigs:
			s := sig.(syscall.Signal)
			if isStop(s) && stoppedBy == 0 {
				stoppedBy = s
			}
			switch {
			case g == nil || !isStop(s) || (stopping && drainEnd == nil):
				forward(s)
			case !stopping:
				stopping = true
				g.shutDown()
				note(fmt.Sprintf("cloudengine: stopping: no new connections; draining for %ss", strconv.FormatFloat(drain.Seconds(), 'f', -1, 64)))
				held = s
				timer = time.NewTimer(drain)
				drainEnd = timer.C
			default:
				note("cloudengine: second stop signal; ending the drain now")
				forward(held)
				drainEnd = nil
			}
		case <-drainEnd:
			forward(held)
			drainEnd = nil
		case <-exited:
			return stoppedBy
		}
	}
}

// reap waits for any child until the app itself exits. As PID 1 (or a
// subreaper) orphans of the app become our children; collecting them here
// is what keeps zombies from piling up.
func reap(pid int) syscall.WaitStatus {
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil { // ECHILD: nothing left to wait for; should not happen
			return syscall.WaitStatus(1 << 8) // exit status 1
		}
		if got == pid {
			return ws
		}
	}
}

func exitCode(ws syscall.WaitStatus) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return 1
}

// stopper terminates the app for the health supervisor: SIGTERM to the
// group, SIGKILL after the grace period.
type stopper struct {
	pid    int
	grace  time.Duration
	exited <-chan struct{}
	note   func(string)
	record func(string) // nil, or where the reason is kept for the platform

	mu      sync.Mutex
	done    bool // the app already exited; never signal a reused pid
	stopped bool
}

func (s *stopper) stop(reason string) {
	s.mu.Lock()
	if s.done || s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	s.note(reason)
	if s.record != nil {
		s.record(reason)
	}
	_ = syscall.Kill(-s.pid, syscall.SIGTERM)
	s.mu.Unlock()

	t := time.NewTimer(s.grace)
	defer t.Stop()
	select {
	case <-s.exited:
		return
	case <-t.C:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.note(fmt.Sprintf("cloudengine: app did not exit within %s of SIGTERM; sending SIGKILL", s.grace))
		_ = syscall.Kill(-s.pid, syscall.SIGKILL)
	}
}

// terminationRecorder writes a stop's reason to path (a container's termination
// message file), replacing what was there; nil when there is no such file.
func terminationRecorder(path string) func(string) {
	if path == "" {
		return nil
	}
	return func(reason string) { _ = os.WriteFile(path, []byte(reason+"\n"), 0o644) }
}

// finish records that the app has exited and reports whether a health stop
// caused it; after this, stop is a no-op.
func (s *stopper) finish() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	return s.stopped
}

// startupChecks remembers what the health checks said until the app first
// passed one, so that a stop from outside during start-up (the kubelet, a
// docker stop) still leaves the reason in the termination message.
type startupChecks struct {
	start time.Time

	mu      sync.Mutex
	healthy bool
	last    string
}

func (c *startupChecks) observe(r probeResult) probeResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Healthy {
		c.healthy = true
	} else if !c.healthy {
		c.last = r.Message
	}
	return r
}

// stoppedBefore is the termination message for a stop by sig before the app
// was ever healthy ("" when there was no such stop or no check yet).
func (c *startupChecks) stoppedBefore(sig syscall.Signal) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sig == 0 || c.healthy || c.last == "" {
		return ""
	}
	return fmt.Sprintf("cloudengine: stopped by %s %s after start, before the app became healthy: %s",
		stopSignalName(sig), time.Since(c.start).Round(time.Second), c.last)
}

func stopSignalName(sig syscall.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}
