package main

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// countVisit increments key in the Redis at redisURL with the two RESP commands it needs,
// so the example has no dependencies to download.
func countVisit(redisURL, key string) (int64, error) {
	u, err := url.Parse(redisURL)
	if err != nil || u.Host == "" {
		return 0, fmt.Errorf("REDIS_URL_CACHE is not a redis URL")
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(conn)
	if pw, ok := u.User.Password(); ok {
		if _, err := command(conn, r, "AUTH", u.User.Username(), pw); err != nil {
			return 0, err
		}
	}
	reply, err := command(conn, r, "INCR", key)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(reply, 10, 64)
}

func command(conn net.Conn, r *bufio.Reader, args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "-"):
		return "", fmt.Errorf("redis: %s", line[1:])
	case len(line) > 0:
		return line[1:], nil
	}
	return "", fmt.Errorf("redis: empty reply")
}
