package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// noteLog collects a gate's notes.
type noteLog struct {
	mu    sync.Mutex
	notes []string
}

func (n *noteLog) note(s string) { n.mu.Lock(); n.notes = append(n.notes, s); n.mu.Unlock() }
func (n *noteLog) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.notes, "\n")
}

// testGate returns a closed gate on a free port forwarding to target, and the
// address to connect to it.
func testGate(t *testing.T, target string) (*gate, string, *noteLog) {
	t.Helper()
	port := freePort(t)
	n := &noteLog{}
	g := newGate(port, target, time.Second, n.note)
	t.Cleanup(g.shutDown)
	return g, "127.0.0.1:" + itoa(port), n
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second)) // a hung proxy fails the test, not the run
	return c
}

func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// helloApp starts an HTTP app answering "hello <path>"; it returns its address
// and a count of the connections it accepted so far.
func helloApp(t *testing.T) (string, func() int32) {
	t.Helper()
	var accepted atomic.Int32
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello "+r.URL.Path)
	}))
	app.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	app.Start()
	t.Cleanup(app.Close)
	return app.Listener.Addr().String(), accepted.Load
}

// get sends GET path on c (HTTP/1.1, keep-alive) and returns the body.
func get(t *testing.T, c net.Conn, br *bufio.Reader, path string) string {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: app\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || resp.Close {
		t.Fatalf("GET %s: %s close=%v body %q err %v", path, resp.Status, resp.Close, b, err)
	}
	return string(b)
}

func TestGateFollowsHealthAndKeepsConnections(t *testing.T) {
	app, accepted := helloApp(t)
	g, addr, notes := testGate(t, app)

	if !refused(addr) {
		t.Fatal("the gate accepts before the first healthy check")
	}
	if err := g.set(false); err != nil || !refused(addr) {
		t.Fatalf("closed gate after a failed check: err %v, refused %v", err, refused(addr))
	}
	if err := g.set(true); err != nil {
		t.Fatal(err)
	}
	c := dial(t, addr)
	br := bufio.NewReader(c)
	// Keep-alive passes through: several requests on one connection.
	for _, p := range []string{"/a", "/b"} {
		if got := get(t, c, br, p); got != "hello "+p {
			t.Fatalf("got %q", got)
		}
	}

	_ = g.set(false)
	if !refused(addr) {
		t.Fatal("the gate still accepts after a failed check")
	}
	if got := get(t, c, br, "/during-failure"); got != "hello /during-failure" {
		t.Fatalf("open connection cut when the gate closed: %q", got)
	}

	_ = g.set(true)
	_ = g.set(true) // repeated successes keep the one listener
	c2 := dial(t, addr)
	if got := get(t, c2, bufio.NewReader(c2), "/again"); got != "hello /again" {
		t.Fatalf("got %q", got)
	}
	if got := get(t, c, br, "/still"); got != "hello /still" {
		t.Fatalf("got %q", got)
	}
	if n := accepted(); n != 2 {
		t.Fatalf("the app saw %d connections, want 2 (one per client connection)", n)
	}

	g.shutDown()
	if err := g.set(true); err != nil || !refused(addr) {
		t.Fatalf("a shut gate reopened (err %v)", err)
	}
	want := []string{"accepting connections on 0.0.0.0:", "(forwarding to the app at 127.0.0.1:", "refusing new connections", "accepting connections on 0.0.0.0:" + strings.TrimPrefix(addr, "127.0.0.1:") + " again"}
	for _, w := range want {
		if !strings.Contains(notes.String(), w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}

// TestGateHalfClose checks that an EOF in either direction reaches the other
// side as a half-close while the opposite direction keeps flowing.
func TestGateHalfClose(t *testing.T) {
	appLn, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer appLn.Close()
	appGot := make(chan string, 2)
	go func() {
		for {
			c, err := appLn.Accept()
			if err != nil {
				return
			}
			go func(c *net.TCPConn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				mode, _ := br.ReadString('\n')
				if mode == "echo\n" {
					// Read until the client's EOF, then answer and close.
					b, _ := io.ReadAll(br)
					_, _ = c.Write(b)
					return
				}
				// "first": the app finishes sending before it reads.
				_, _ = io.WriteString(c, "greeting")
				_ = c.CloseWrite()
				b, err := io.ReadAll(br)
				if err != nil {
					appGot <- "error: " + err.Error()
					return
				}
				appGot <- string(b)
			}(c.(*net.TCPConn))
		}
	}()
	g, addr, _ := testGate(t, appLn.Addr().String())
	if err := g.set(true); err != nil {
		t.Fatal(err)
	}

	t.Run("client closes its write side first", func(t *testing.T) {
		c := dial(t, addr).(*net.TCPConn)
		_, _ = io.WriteString(c, "echo\nhello, ")
		_, _ = io.WriteString(c, "world")
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(c)
		if err != nil || string(b) != "hello, world" {
			t.Fatalf("echo %q err %v", b, err)
		}
	})
	t.Run("app closes its write side first", func(t *testing.T) {
		c := dial(t, addr).(*net.TCPConn)
		_, _ = io.WriteString(c, "first\n")
		b, err := io.ReadAll(c) // ends at the app's half-close
		if err != nil || string(b) != "greeting" {
			t.Fatalf("got %q err %v", b, err)
		}
		_, _ = io.WriteString(c, "still talking")
		_ = c.CloseWrite()
		select {
		case got := <-appGot:
			if got != "still talking" {
				t.Fatalf("app got %q", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the app never saw the client's EOF")
		}
	})
}

// TestGateDialsTheAppOnlyForBytes checks that connections closed before their
// first byte (readiness probes) never reach the app, and that one which waits
// before its first request is dialled then, with the request intact.
func TestGateDialsTheAppOnlyForBytes(t *testing.T) {
	app, accepted := helloApp(t)
	g, addr, _ := testGate(t, app)
	if err := g.set(true); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		dial(t, addr).Close()
	}
	idle := dial(t, addr)
	time.Sleep(300 * time.Millisecond) // long enough for an eager gate to have dialled for all 21
	if n := accepted(); n != 0 {
		t.Fatalf("the app accepted %d connections before any byte was sent, want 0", n)
	}
	if got := get(t, idle, bufio.NewReader(idle), "/late"); got != "hello /late" {
		t.Fatalf("got %q", got)
	}
	if n := accepted(); n != 1 {
		t.Fatalf("the app accepted %d connections for one request, want 1", n)
	}
}

func TestGateClosesClientWhenAppUnreachable(t *testing.T) {
	target := "127.0.0.1:" + itoa(freePort(t))
	g, addr, notes := testGate(t, target)
	if err := g.set(true); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		c := dial(t, addr)
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Fatal("read succeeded on a connection to an unreachable app")
		}
	}
	if s := notes.String(); strings.Count(s, "cannot reach the app at "+target) != 1 {
		t.Fatalf("want the failure reported once:\n%s", s)
	}
}

func TestGateAppResetClosesClient(t *testing.T) {
	appLn, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer appLn.Close()
	go func() {
		c, err := appLn.Accept()
		if err != nil {
			return
		}
		_ = c.(*net.TCPConn).SetLinger(0) // Close sends RST
		_, _ = c.Read(make([]byte, 1))
		c.Close()
	}()
	g, addr, _ := testGate(t, appLn.Addr().String())
	if err := g.set(true); err != nil {
		t.Fatal(err)
	}
	c := dial(t, addr)
	_, _ = c.Write([]byte("x"))
	if _, err := io.ReadAll(c); err != nil && isTimeout(err) {
		t.Fatal("client connection left open after the app reset its side")
	}
}

func TestGatePortInUse(t *testing.T) {
	l, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	g := newGate(l.Addr().(*net.TCPAddr).Port, "127.0.0.1:1", time.Second, func(string) {})
	for _, err := range []error{g.preflight(), g.set(true)} {
		if err == nil || !strings.Contains(err.Error(), "(CLOUDENGINE_SERVE_PORT)") || !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("err %v", err)
		}
	}
}
