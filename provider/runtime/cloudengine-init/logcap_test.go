package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is an injected clock so rate-limit windows need no real waiting.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestCapper(lineMax, perMinute int) (*logCapper, *fakeClock, *bytes.Buffer, *bytes.Buffer) {
	clk := &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out, errb bytes.Buffer
	return newLogCapper(lineMax, perMinute, clk.now, &out, &errb), clk, &out, &errb
}

func TestLineTruncatedAtLimit(t *testing.T) {
	c, _, out, _ := newTestCapper(10, 0)
	c.Stdout.Write([]byte("0123456789\n"))       // exactly the limit: kept whole
	c.Stdout.Write([]byte("0123456789abcdef\n")) // cut to 10
	c.Stdout.Write([]byte("short\n"))
	want := "0123456789\n0123456789\nshort\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestLongLineAcrossWritesIsCutOnce(t *testing.T) {
	c, _, out, _ := newTestCapper(10, 0)
	for _, chunk := range []string{"01234", "56789ab", "cdef", "ghi\nnext", "\n"} {
		c.Stdout.Write([]byte(chunk))
	}
	if want := "0123456789\nnext\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestTruncationDoesNotSplitRune(t *testing.T) {
	c, _, out, _ := newTestCapper(5, 0)
	c.Stdout.Write([]byte("abc€def\n")) // € is 3 bytes at offsets 3..5; a cut at 5 would split it
	c.Stdout.Write([]byte("ab€d\n"))    // € ends exactly at 5: kept
	if want := "abc\nab€\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestRateLimitDropsAndNoticeOncePerMinute(t *testing.T) {
	c, clk, out, errb := newTestCapper(4096, 3)
	for i := 0; i < 5; i++ {
		c.Stdout.Write([]byte("out\n"))
		c.Stderr.Write([]byte("err\n"))
	}
	// stdout and stderr share one budget: 3 lines pass, 7 are dropped.
	if got := strings.Count(out.String(), "out\n") + strings.Count(errb.String(), "err\n"); got != 3 {
		t.Fatalf("%d lines passed, want 3 (stdout %q, stderr %q)", got, out.String(), errb.String())
	}
	if strings.Contains(errb.String(), "dropped") {
		t.Fatalf("notice before the window ended: %q", errb.String())
	}
	clk.advance(30 * time.Second)
	c.Tick()
	c.Stdout.Write([]byte("still limited\n"))
	if strings.Contains(out.String(), "still limited") || strings.Contains(errb.String(), "dropped") {
		t.Fatalf("window ended early: stdout %q stderr %q", out.String(), errb.String())
	}

	clk.advance(31 * time.Second)
	c.Tick()
	notice := "cloudengine: dropped 8 log line(s) in the last minute: the limit is 3 lines per minute"
	if n := strings.Count(errb.String(), "dropped"); n != 1 || !strings.Contains(errb.String(), notice) {
		t.Fatalf("want exactly one notice %q, stderr %q", notice, errb.String())
	}
	c.Tick() // a second tick in the same window must not repeat the notice
	c.Stdout.Write([]byte("new window\n"))
	c.Close()
	if n := strings.Count(errb.String(), "dropped"); n != 1 {
		t.Fatalf("notice repeated (%d): %q", n, errb.String())
	}
	if !strings.HasSuffix(out.String(), "new window\n") {
		t.Fatalf("line in the new window not passed: %q", out.String())
	}
}

func TestPendingDropsReportedAtClose(t *testing.T) {
	c, _, _, errb := newTestCapper(4096, 1)
	c.Stdout.Write([]byte("a\nb\nc\n"))
	c.Close()
	if !strings.Contains(errb.String(), "dropped 2 log line(s)") || !strings.Contains(errb.String(), "1 lines per minute") {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestUnlimitedRate(t *testing.T) {
	c, _, out, errb := newTestCapper(4096, 0)
	for i := 0; i < 1000; i++ {
		c.Stdout.Write([]byte("x\n"))
	}
	c.Close()
	if strings.Count(out.String(), "\n") != 1000 || errb.Len() != 0 {
		t.Fatalf("lines %d, stderr %q", strings.Count(out.String(), "\n"), errb.String())
	}
}

func TestPartialLineFlushedAtClose(t *testing.T) {
	c, _, out, errb := newTestCapper(4096, 1)
	c.Stdout.Write([]byte("no newline"))
	c.Stderr.Write([]byte("err partial"))
	if out.Len() != 0 {
		t.Fatalf("partial line written before close: %q", out.String())
	}
	c.Close()
	if out.String() != "no newline" {
		t.Fatalf("stdout %q", out.String())
	}
	// stderr's partial line was over the 1-line budget; the notice still
	// starts on its own line.
	if want := "cloudengine: dropped 1 log line(s)"; !strings.HasPrefix(errb.String(), want) {
		t.Fatalf("stderr %q", errb.String())
	}
	c.Stdout.Write([]byte("after close\n"))
	if out.String() != "no newline" {
		t.Fatalf("write after close leaked: %q", out.String())
	}
}

func TestNoteStartsOnFreshLine(t *testing.T) {
	c, _, _, errb := newTestCapper(4096, 0)
	c.Stderr.Write([]byte("tail"))
	c.Close() // flushes "tail" without newline
	c.Note("cloudengine: bye")
	if want := "tail\ncloudengine: bye\n"; errb.String() != want {
		t.Fatalf("got %q, want %q", errb.String(), want)
	}
}
