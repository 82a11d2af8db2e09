package main

import (
	"context"
	"errors"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"
)

// lookupTimeout bounds one question to the engine's DNS server.
const lookupTimeout = 2 * time.Second

// tracker keeps, per instance name, the addresses whose readiness port
// accepts a connection: init opens that port only while the app passes its
// health checks. Each name is followed from its first query on (resolved and
// probed every interval) until nobody asked for it for idleAfter.
type tracker struct {
	lookup    func(ctx context.Context, name string) ([]net.IP, error)
	probe     func(ctx context.Context, addr string) bool
	port      int
	interval  time.Duration
	timeout   time.Duration
	idleAfter time.Duration

	mu    sync.Mutex
	names map[string]*followed
}

type followed struct {
	ready    []net.IP
	err      error // the last lookup's, when it failed
	asked    time.Time
	firstRun chan struct{} // closed once the first round is done
}

func newTracker(port int, interval, timeout, idleAfter time.Duration, lookup func(context.Context, string) ([]net.IP, error)) *tracker {
	return &tracker{
		lookup: lookup, port: port, interval: interval, timeout: timeout, idleAfter: idleAfter,
		probe: func(ctx context.Context, addr string) bool {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp4", addr)
			if err != nil {
				return false
			}
			c.Close()
			return true
		},
		names: map[string]*followed{},
	}
}

// ready answers a query for name: the addresses ready now. The first query
// for a name waits for its first round, so it is never answered from nothing.
func (t *tracker) ready(name string) ([]net.IP, error) {
	t.mu.Lock()
	f, ok := t.names[name]
	if !ok {
		f = &followed{firstRun: make(chan struct{})}
		t.names[name] = f
		go t.follow(name, f)
	}
	f.asked = time.Now()
	t.mu.Unlock()
	<-f.firstRun
	t.mu.Lock()
	defer t.mu.Unlock()
	return f.ready, f.err
}

func (t *tracker) follow(name string, f *followed) {
	first := true
	for {
		ready, err := t.round(name)
		t.mu.Lock()
		if err == nil || first {
			// A failed lookup keeps the last answer: Docker's DNS hiccupping
			// must not empty the proxy's server list.
			f.ready, f.err = ready, err
		}
		idle := time.Since(f.asked) > t.idleAfter
		if idle {
			delete(t.names, name)
		}
		t.mu.Unlock()
		if first {
			close(f.firstRun)
			first = false
		}
		if idle {
			return
		}
		time.Sleep(t.interval)
	}
}

// round resolves name and probes every address at once. A name that does not
// exist (no instance runs) is an empty answer, not a failure.
func (t *tracker) round(name string) ([]net.IP, error) {
	lookupCtx, cancelLookup := context.WithTimeout(context.Background(), lookupTimeout)
	ips, err := t.lookup(lookupCtx, name)
	cancelLookup()
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.timeout)
	defer cancel()
	ok := make([]bool, len(ips))
	var wg sync.WaitGroup
	for i, ip := range ips {
		wg.Add(1)
		go func(i int, ip net.IP) {
			defer wg.Done()
			ok[i] = t.probe(ctx, net.JoinHostPort(ip.String(), strconv.Itoa(t.port)))
		}(i, ip)
	}
	wg.Wait()
	var ready []net.IP
	for i, ip := range ips {
		if ok[i] {
			ready = append(ready, ip)
		}
	}
	sort.Slice(ready, func(a, b int) bool { return ready[a].String() < ready[b].String() })
	return ready, nil
}
