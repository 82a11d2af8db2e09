// cloudengine-ready: the DNS server through which the Docker platform's proxy
// finds the instances of an app environment that may take traffic. A query
// for <name>.<suffix> is answered with the addresses of <name> (resolved by
// Docker's DNS: every running instance) whose readiness port accepts a TCP
// connection; /cloudengine/init opens that port only while the app passes its
// health checks and closes it first when the instance stops. So the proxy
// (nginx, `server <name>.<suffix> resolve` in a keep-alive upstream) sends
// requests straight to the app, over pooled connections, and only to ready
// instances: Docker itself has no readiness.
//
// Settings (environment): CLOUDENGINE_READY_LISTEN (default :53),
// CLOUDENGINE_READY_UPSTREAM (127.0.0.11:53, Docker's DNS),
// CLOUDENGINE_READY_SUFFIX (ready.cloudengine.internal),
// CLOUDENGINE_READY_PORT (61000), CLOUDENGINE_READY_INTERVAL_MS (200).
//
// Usage: cloudengine-ready [-- command [args...]]: with a command (the
// gateway's nginx), it runs that command beside the DNS server (supervise.go).
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// answerTTL: the proxy asks again after this long (it may not ask sooner).
const answerTTL = 1

// maxAnswers keeps a UDP answer within 512 bytes (12 + question + 16 each).
const maxAnswers = 28

type config struct {
	listen, upstream, suffix string
	port                     int
	interval                 time.Duration
}

func configFrom(env func(string) string) (config, error) {
	c := config{listen: ":53", upstream: "127.0.0.11:53", suffix: "ready.cloudengine.internal", port: 61000, interval: 200 * time.Millisecond}
	if v := env("CLOUDENGINE_READY_LISTEN"); v != "" {
		c.listen = v
	}
	if v := env("CLOUDENGINE_READY_UPSTREAM"); v != "" {
		c.upstream = v
	}
	if v := env("CLOUDENGINE_READY_SUFFIX"); v != "" {
		c.suffix = strings.ToLower(strings.TrimSuffix(v, "."))
	}
	if v := env("CLOUDENGINE_READY_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return c, fmt.Errorf("CLOUDENGINE_READY_PORT must be a port number, got %q", v)
		}
		c.port = p
	}
	if v := env("CLOUDENGINE_READY_INTERVAL_MS"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 10 || ms > 10000 {
			return c, fmt.Errorf("CLOUDENGINE_READY_INTERVAL_MS must be 10..10000, got %q", v)
		}
		c.interval = time.Duration(ms) * time.Millisecond
	}
	return c, nil
}

// resolverVia asks one DNS server (Docker's) for IPv4 addresses.
func resolverVia(server string) func(context.Context, string) ([]net.IP, error) {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	return func(ctx context.Context, name string) ([]net.IP, error) {
		return r.LookupIP(ctx, "ip4", name)
	}
}

// respond answers one query from the tracker.
func respond(t *tracker, suffix string, msg []byte) []byte {
	id, q, err := parseQuery(msg)
	if err != nil {
		if len(msg) < 12 {
			return nil
		}
		return answer(id, question{}, rcodeFail, nil, 0)[:12]
	}
	name, ok := strings.CutSuffix(q.name, "."+suffix)
	if !ok || name == "" {
		return answer(id, q, rcodeRefd, nil, 0)
	}
	ready, err := t.ready(name)
	if err != nil {
		return answer(id, q, rcodeFail, nil, 0)
	}
	if len(ready) > maxAnswers {
		ready = ready[:maxAnswers]
	}
	return answer(id, q, rcodeOK, ready, answerTTL)
}

func serve(pc net.PacketConn, t *tracker, suffix string) error {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return err
		}
		msg := append([]byte(nil), buf[:n]...)
		go func() {
			if out := respond(t, suffix, msg); out != nil {
				pc.WriteTo(out, from)
			}
		}()
	}
}

func main() {
	child, err := childArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "cloudengine-ready:", err)
		os.Exit(2)
	}
	c, err := configFrom(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cloudengine-ready:", err)
		os.Exit(2)
	}
	pc, err := net.ListenPacket("udp", c.listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cloudengine-ready:", err)
		os.Exit(1)
	}
	t := newTracker(c.port, c.interval, c.interval, 10*time.Minute, resolverVia(c.upstream))
	log.Printf("cloudengine-ready: answering <name>.%s on %s with the addresses of <name> (via %s) whose port %d accepts connections, checked every %s",
		c.suffix, c.listen, c.upstream, c.port, c.interval)
	if len(child) > 0 {
		runWithChild(child, func() error { return serve(pc, t, c.suffix) })
	}
	log.Fatal(serve(pc, t, c.suffix))
}

// childArgs: nothing, or `--` followed by the command to run beside the DNS server.
func childArgs(args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	if args[0] != "--" || len(args) == 1 {
		return nil, fmt.Errorf("usage: cloudengine-ready [-- command [args...]], got %q", args)
	}
	return args[1:], nil
}
