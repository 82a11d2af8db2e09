package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// probeTarget is one health check: GET Path on Host:Port.
type probeTarget struct {
	Host    string // IP to connect to; see ownIPv4
	Port    int
	Path    string
	Timeout time.Duration
}

type probeResult struct {
	Healthy bool
	Message string // one line of diagnosis, without a healthy/unhealthy prefix
}

// check performs the platform's health check: GET path with Host localhost,
// healthy iff the response itself is 2xx. Failures are explained in terms the
// app developer can act on (wrong interface, nothing listening, status code).
func check(t probeTarget) probeResult {
	addr := net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
	client := &http.Client{
		// A private transport: no keep-alives (each check is a fresh
		// connection, like the load balancer's), and no HTTP_PROXY from the
		// app's environment, which would send the check elsewhere.
		Transport: &http.Transport{
			Proxy:             nil,
			DialContext:       (&net.Dialer{Timeout: t.Timeout}).DialContext,
			DisableKeepAlives: true,
		},
		// The platform does not follow redirects, so neither do we.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+t.Path, nil)
	if err != nil {
		return probeResult{Message: fmt.Sprintf("invalid health check path %q: %v", t.Path, err)}
	}
	req.Host = "localhost"
	req.Header.Set("User-Agent", "cloudengine-health-check")
	what := fmt.Sprintf("GET %s on %s", t.Path, addr)

	resp, err := client.Do(req)
	if err != nil {
		return diagnose(t, what, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return probeResult{Healthy: true, Message: fmt.Sprintf("%s returned %s", what, resp.Status)}
	case code >= 300 && code < 400:
		return probeResult{Message: fmt.Sprintf("%s returned %s (redirect to %q); redirects are not followed, %s itself must answer with a 2xx status",
			what, resp.Status, resp.Header.Get("Location"), t.Path)}
	default:
		return probeResult{Message: fmt.Sprintf("%s returned %s; the health check needs a 2xx status", what, resp.Status)}
	}
}

func diagnose(t probeTarget, what string, err error) probeResult {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		// The commonest start-up mistake is a framework default of
		// 127.0.0.1: the load balancer cannot reach it, so say so plainly.
		if t.Host != "127.0.0.1" && canConnect("127.0.0.1", t.Port) {
			return probeResult{Message: fmt.Sprintf(
				"the app listens on 127.0.0.1 only; it must listen on 0.0.0.0 (all interfaces) port %d (LEANCLOUD_APP_PORT) so the load balancer can reach it at %s",
				t.Port, t.Host)}
		}
		return probeResult{Message: fmt.Sprintf("no process listens on port %d (LEANCLOUD_APP_PORT); the app must listen on 0.0.0.0 port %d", t.Port, t.Port)}
	case isTimeout(err):
		return probeResult{Message: fmt.Sprintf("%s timed out after %s without a response", what, t.Timeout)}
	}
	return probeResult{Message: fmt.Sprintf("%s failed: %v", what, err)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func canConnect(host string, port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// ownIPv4 is the address the load balancer uses to reach this container: the
// first non-loopback IPv4 address, or 127.0.0.1 if there is none.
func ownIPv4() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			var ip net.IP
			switch v := a.(type) {
			case *net.IPNet:
				ip = v.IP
			case *net.IPAddr:
				ip = v.IP
			}
			if ip4 := ip.To4(); ip4 != nil && !ip4.IsLoopback() {
				return ip4.String()
			}
		}
	}
	return "127.0.0.1"
}
