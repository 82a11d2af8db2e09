package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func serverPort(t *testing.T, s *httptest.Server) int {
	t.Helper()
	return s.Listener.Addr().(*net.TCPAddr).Port
}

func probeOf(port int) probeTarget {
	return probeTarget{Host: "127.0.0.1", Port: port, Path: "/", Timeout: 2 * time.Second}
}

func TestProbe2xxHealthy(t *testing.T) {
	var host, path atomic.Value
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host.Store(r.Host)
		path.Store(r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer s.Close()
	tgt := probeOf(serverPort(t, s))
	tgt.Path = "/__engine/1/ping"
	r := check(tgt)
	if !r.Healthy || !strings.Contains(r.Message, "204") {
		t.Fatalf("%+v", r)
	}
	if host.Load() != "localhost" || path.Load() != "/__engine/1/ping" {
		t.Fatalf("request Host %v path %v", host.Load(), path.Load())
	}
}

func TestProbe500Unhealthy(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer s.Close()
	r := check(probeOf(serverPort(t, s)))
	if r.Healthy || !strings.Contains(r.Message, "500 Internal Server Error") || !strings.Contains(r.Message, "GET /") {
		t.Fatalf("%+v", r)
	}
}

func TestProbeRedirectNotFollowed(t *testing.T) {
	var followed atomic.Bool
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			followed.Store(true)
			return
		}
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	defer s.Close()
	r := check(probeOf(serverPort(t, s)))
	if r.Healthy || !strings.Contains(r.Message, "302") || !strings.Contains(r.Message, "redirects are not followed") {
		t.Fatalf("%+v", r)
	}
	if followed.Load() {
		t.Fatal("redirect was followed")
	}
}

func TestProbeLoopbackOnlyListener(t *testing.T) {
	own := ownIPv4()
	if own == "127.0.0.1" {
		t.Skip("this machine has no non-loopback IPv4 address to probe")
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer s.Close() // httptest listens on 127.0.0.1 only
	port := serverPort(t, s)
	tgt := probeOf(port)
	tgt.Host = own
	r := check(tgt)
	want := "the app listens on 127.0.0.1 only; it must listen on 0.0.0.0 (all interfaces) port " + strconv.Itoa(port)
	if r.Healthy || !strings.Contains(r.Message, want) {
		t.Fatalf("got %+v, want message containing %q", r, want)
	}

	// The same app listening on all interfaces is reachable at that address.
	l, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	all := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	all.Listener.Close()
	all.Listener = l
	all.Start()
	defer all.Close()
	tgt.Port = serverPort(t, all)
	if r := check(tgt); !r.Healthy {
		t.Fatalf("0.0.0.0 listener not healthy via %s: %+v", own, r)
	}
}

func TestProbeNoListener(t *testing.T) {
	port := freePort(t)
	for _, host := range []string{"127.0.0.1", ownIPv4()} {
		tgt := probeOf(port)
		tgt.Host = host
		r := check(tgt)
		want := "no process listens on port " + strconv.Itoa(port)
		if r.Healthy || !strings.Contains(r.Message, want) {
			t.Fatalf("host %s: got %+v, want %q", host, r, want)
		}
	}
}

func TestProbeTimeout(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer s.Close()
	tgt := probeOf(serverPort(t, s))
	tgt.Timeout = 200 * time.Millisecond
	start := time.Now()
	r := check(tgt)
	if r.Healthy || !strings.Contains(r.Message, "timed out after 200ms") {
		t.Fatalf("%+v", r)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("probe took %s despite a 200ms timeout", d)
	}
}

// freePort returns a port nothing listens on (racy in theory, fine in tests).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
