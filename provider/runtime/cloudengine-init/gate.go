package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// gate is the serving gate: Docker has no readiness, and the routers find
// instances by a DNS alias every container joins as soon as it starts. So on
// Docker the routers connect to CLOUDENGINE_SERVE_PORT instead of the app, and
// init listens there only while the app passes its health checks, forwarding
// each connection to the app. A closed gate refuses at once, which sends the
// router to another instance instead of to a starting, sick or stopping one.
type gate struct {
	addr        string // where the routers connect: 0.0.0.0:CLOUDENGINE_SERVE_PORT
	target      string // the app, at the address the health check uses
	dialTimeout time.Duration
	note        func(string)

	mu     sync.Mutex
	ln     net.Listener // nil while closed
	opened bool         // has ever been open; only for the log wording
	shut   bool         // stopping: never open again

	dialFailing atomic.Bool // report an unreachable app once, not per connection
}

func newGate(port int, target string, dialTimeout time.Duration, note func(string)) *gate {
	return &gate{addr: net.JoinHostPort("0.0.0.0", strconv.Itoa(port)), target: target, dialTimeout: dialTimeout, note: note}
}

// preflight binds the port once and lets go, so a port that can never be
// bound fails the container at start rather than at the first healthy check.
func (g *gate) preflight() error {
	ln, err := g.listen()
	if err != nil {
		return err
	}
	return ln.Close()
}

func (g *gate) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp4", g.addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (CLOUDENGINE_SERVE_PORT): %w", g.addr, err)
	}
	return ln, nil
}

// set follows one health check result: open on success, closed on failure.
// Connections already accepted are never cut: closing only refuses new ones.
// The error (the port cannot be bound) is fatal for the instance.
func (g *gate) set(healthy bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.shut:
	case healthy && g.ln == nil:
		ln, err := g.listen()
		if err != nil {
			return err
		}
		g.ln = ln
		go g.serve(ln)
		if g.opened {
			g.note(fmt.Sprintf("cloudengine: accepting connections on %s again", g.addr))
		} else {
			g.note(fmt.Sprintf("cloudengine: accepting connections on %s (forwarding to the app at %s)", g.addr, g.target))
		}
		g.opened = true
	case !healthy && g.ln != nil:
		g.ln.Close()
		g.ln = nil
		g.note(fmt.Sprintf("cloudengine: refusing new connections on %s until the health check passes again", g.addr))
	}
	return nil
}

// shutDown closes the gate for good: the instance is stopping.
func (g *gate) shutDown() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.shut = true
	if g.ln != nil {
		g.ln.Close()
		g.ln = nil
	}
}

func (g *gate) serve(ln net.Listener) {
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of file descriptors and the like: transient, so retry
			// without spinning, and say so once per streak.
			if backoff == 0 {
				g.note(fmt.Sprintf("cloudengine: accepting a connection on %s failed: %v; retrying", g.addr, err))
				backoff = 5 * time.Millisecond
			} else if backoff *= 2; backoff > time.Second {
				backoff = time.Second
			}
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		go g.forward(c)
	}
}

// forward connects one accepted connection to the app once the client has
// sent its first bytes (HTTP clients speak first): a connection closed
// without a word, such as the gateway's readiness probe, never reaches the
// app, and a pooled one costs the app nothing until its first request. If
// the app cannot be reached the connection is closed: the router sees an
// error and retries elsewhere.
func (g *gate) forward(client net.Conn) {
	first := make([]byte, 16<<10)
	n, _ := client.Read(first)
	if n == 0 {
		client.Close()
		return
	}
	app, err := net.DialTimeout("tcp", g.target, g.dialTimeout)
	if err != nil {
		if g.dialFailing.CompareAndSwap(false, true) {
			g.note(fmt.Sprintf("cloudengine: cannot reach the app at %s: %v; closing incoming connections until it answers", g.target, err))
		}
		client.Close()
		return
	}
	if g.dialFailing.CompareAndSwap(true, false) {
		g.note(fmt.Sprintf("cloudengine: the app at %s is reachable again", g.target))
	}
	if _, err := app.Write(first[:n]); err != nil {
		client.Close()
		app.Close()
		return
	}
	splice(client, app)
}

// splice copies both directions until both have ended. An EOF is passed on as
// a half-close, so protocols that finish sending before reading the reply
// still work; any error closes both sides, which also ends the other copy.
func splice(a, b net.Conn) {
	var once sync.Once
	closeBoth := func() { a.Close(); b.Close() }
	var wg sync.WaitGroup
	copyHalf := func(dst, src net.Conn) {
		defer wg.Done()
		if _, err := io.Copy(dst, src); err != nil {
			once.Do(closeBoth)
			return
		}
		if hc, ok := dst.(interface{ CloseWrite() error }); !ok || hc.CloseWrite() != nil {
			once.Do(closeBoth)
		}
	}
	wg.Add(2)
	go copyHalf(b, a)
	go copyHalf(a, b)
	wg.Wait()
	once.Do(closeBoth)
}
