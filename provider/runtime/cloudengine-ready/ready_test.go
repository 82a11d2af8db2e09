package main

import (
	"context"
	"errors"
	"net"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeInstances stands in for Docker's DNS and the instances' readiness ports.
type fakeInstances struct {
	mu      sync.Mutex
	byName  map[string][]net.IP
	open    map[string]bool // "ip:port" accepting
	lookups int
	fail    bool
}

func (f *fakeInstances) lookup(_ context.Context, name string) ([]net.IP, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.fail {
		return nil, errors.New("i/o timeout")
	}
	ips, ok := f.byName[name]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return ips, nil
}

func (f *fakeInstances) probe(_ context.Context, addr string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open[addr]
}

func (f *fakeInstances) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func ips(list ...string) []net.IP {
	out := make([]net.IP, len(list))
	for i, s := range list {
		out[i] = net.ParseIP(s).To4()
	}
	return out
}

func text(list []net.IP) []string {
	out := make([]string, len(list))
	for i, ip := range list {
		out[i] = ip.String()
	}
	sort.Strings(out)
	return out
}

func newFakeTracker(f *fakeInstances, idle time.Duration) *tracker {
	t := newTracker(61000, 10*time.Millisecond, 50*time.Millisecond, idle, f.lookup)
	t.probe = f.probe
	return t
}

// eventually polls cond for up to 2 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 2 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestReadyAnswersOnlyInstancesWhosePortAccepts(t *testing.T) {
	f := &fakeInstances{
		byName: map[string][]net.IP{"web": ips("10.0.0.2", "10.0.0.3", "10.0.0.4")},
		open:   map[string]bool{"10.0.0.2:61000": true, "10.0.0.4:61000": true},
	}
	tr := newFakeTracker(f, time.Minute)
	got, err := tr.ready("web")
	if err != nil || len(got) != 2 || text(got)[0] != "10.0.0.2" || text(got)[1] != "10.0.0.4" {
		t.Fatalf("first answer: %v %v, want 10.0.0.2 and 10.0.0.4", text(got), err)
	}
	// The starting instance turns healthy; a healthy one stops (its port closes first).
	f.set(func() { f.open["10.0.0.3:61000"] = true; delete(f.open, "10.0.0.2:61000") })
	eventually(t, "10.0.0.3 in, 10.0.0.2 out", func() bool {
		got, _ := tr.ready("web")
		s := text(got)
		return len(s) == 2 && s[0] == "10.0.0.3" && s[1] == "10.0.0.4"
	})
}

func TestReadyNameWithoutInstancesIsEmptyAndFailedLookupsKeepTheLastAnswer(t *testing.T) {
	f := &fakeInstances{byName: map[string][]net.IP{"web": ips("10.0.0.2")}, open: map[string]bool{"10.0.0.2:61000": true}}
	tr := newFakeTracker(f, time.Minute)
	if got, err := tr.ready("web"); err != nil || len(got) != 1 {
		t.Fatalf("got %v %v", text(got), err)
	}
	f.set(func() { f.fail = true })
	before := 0
	f.set(func() { before = f.lookups })
	eventually(t, "more lookups", func() bool { n := 0; f.set(func() { n = f.lookups }); return n > before+3 })
	if got, err := tr.ready("web"); err != nil || len(got) != 1 {
		t.Fatalf("after failed lookups: %v %v, want the last answer kept", text(got), err)
	}
	// Docker's DNS says the name does not exist: every instance is gone.
	f.set(func() { f.fail = false; delete(f.byName, "web") })
	eventually(t, "empty answer", func() bool { got, err := tr.ready("web"); return err == nil && len(got) == 0 })
	// A name that never existed: empty, not an error (the proxy gets "no address", not a failure).
	if got, err := tr.ready("other"); err != nil || len(got) != 0 {
		t.Fatalf("unknown name: %v %v", text(got), err)
	}
}

func TestReadyFirstLookupFailureIsAnError(t *testing.T) {
	f := &fakeInstances{fail: true}
	tr := newFakeTracker(f, time.Minute)
	if _, err := tr.ready("web"); err == nil {
		t.Fatal("a first lookup that failed must not be answered as 'no instances'")
	}
}

func TestReadyStopsFollowingNamesNobodyAsksFor(t *testing.T) {
	f := &fakeInstances{byName: map[string][]net.IP{"web": ips("10.0.0.2")}, open: map[string]bool{}}
	tr := newFakeTracker(f, 30*time.Millisecond)
	tr.ready("web")
	eventually(t, "name dropped", func() bool { tr.mu.Lock(); defer tr.mu.Unlock(); return len(tr.names) == 0 })
	n := 0
	f.set(func() { n = f.lookups })
	time.Sleep(60 * time.Millisecond)
	m := 0
	f.set(func() { m = f.lookups })
	if m != n {
		t.Fatalf("still looking the name up after it was dropped: %d → %d", n, m)
	}
}

// Over real UDP, with Go's resolver as the client: the answer's records, the
// empty answer, REFUSED outside the suffix.
func TestReadyServesDNS(t *testing.T) {
	f := &fakeInstances{
		byName: map[string][]net.IP{"echo-production": ips("172.18.0.5", "172.18.0.6")},
		open:   map[string]bool{"172.18.0.6:61000": true},
	}
	tr := newFakeTracker(f, time.Minute)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go serve(pc, tr, "ready.cloudengine.internal")
	lookup := resolverVia(pc.LocalAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := lookup(ctx, "Echo-Production.ready.cloudengine.internal")
	if err != nil || len(got) != 1 || got[0].String() != "172.18.0.6" {
		t.Fatalf("ready name: %v %v, want [172.18.0.6]", got, err)
	}
	f.set(func() { delete(f.open, "172.18.0.6:61000") })
	eventually(t, "no ready instance", func() bool {
		_, err := lookup(ctx, "echo-production.ready.cloudengine.internal")
		var dnsErr *net.DNSError
		return errors.As(err, &dnsErr) && dnsErr.IsNotFound
	})
	if _, err := lookup(ctx, "example.com"); err == nil {
		t.Fatal("a name outside the suffix must not be answered")
	}
}

// The real probe: a listening port is ready, a closed one is not.
func TestProbeConnects(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	tr := newTracker(1, time.Second, time.Second, time.Minute, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if !tr.probe(ctx, addr) {
		t.Fatal("listening port not ready")
	}
	ln.Close()
	if tr.probe(ctx, addr) {
		t.Fatal("closed port ready")
	}
}

func TestConfigFrom(t *testing.T) {
	env := map[string]string{"CLOUDENGINE_READY_PORT": "61001", "CLOUDENGINE_READY_SUFFIX": "Ready.Example.", "CLOUDENGINE_READY_INTERVAL_MS": "100"}
	c, err := configFrom(func(k string) string { return env[k] })
	if err != nil || c.port != 61001 || c.suffix != "ready.example" || c.interval != 100*time.Millisecond || c.upstream != "127.0.0.11:53" {
		t.Fatalf("%+v %v", c, err)
	}
	for k, v := range map[string]string{"CLOUDENGINE_READY_PORT": "0", "CLOUDENGINE_READY_INTERVAL_MS": "5"} {
		if _, err := configFrom(func(key string) string {
			if key == k {
				return v
			}
			return ""
		}); err == nil {
			t.Fatalf("%s=%s accepted", k, v)
		}
	}
}

func TestParseQueryRejectsGarbage(t *testing.T) {
	for _, msg := range [][]byte{nil, make([]byte, 11), append(make([]byte, 12), 0xff)} {
		if _, _, err := parseQuery(msg); err == nil {
			t.Fatalf("accepted %v", msg)
		}
	}
}
