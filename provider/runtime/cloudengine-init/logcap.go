package main

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// logCapper applies the platform's log limits to the app's output: each line
// is cut to lineMax bytes and at most perMinute lines (stdout and stderr
// together) pass per fixed one-minute window. Dropped lines are counted and
// reported in one notice line on stderr when their window ends, so the user
// learns that logs are missing and why without the notice itself flooding.
type logCapper struct {
	mu          sync.Mutex
	lineMax     int // 0: no cut
	perMinute   int // 0: unlimited
	now         func() time.Time
	windowStart time.Time
	count       int // lines passed in the current window
	dropped     int // lines dropped in the current window
	closed      bool
	Stdout      *lineStream
	Stderr      *lineStream
}

// lineStream is the io.Writer side of one output stream. Its state is only
// touched with the capper's mutex held, which also serialises writes to the
// two destinations and our own notices so lines never interleave mid-way.
type lineStream struct {
	c        *logCapper
	dst      io.Writer
	buf      []byte // current, not yet terminated line (<= lineMax bytes)
	overflow bool   // current line was already emitted cut; drop until '\n'
	midLine  bool   // last write to dst did not end with '\n'
	scratch  []byte
}

func newLogCapper(lineMax, perMinute int, now func() time.Time, stdout, stderr io.Writer) *logCapper {
	c := &logCapper{lineMax: lineMax, perMinute: perMinute, now: now}
	c.Stdout = &lineStream{c: c, dst: stdout}
	c.Stderr = &lineStream{c: c, dst: stderr}
	return c
}

// Write never fails: if it did, the pump would stop reading, the pipe would
// fill and the app would block on its next log line.
func (s *lineStream) Write(p []byte) (int, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.c.closed {
		return len(p), nil
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.add(p)
			break
		}
		s.add(p[:i])
		if !s.overflow {
			s.emit(s.buf, true)
		}
		s.buf, s.overflow = s.buf[:0], false
		p = p[i+1:]
	}
	return n, nil
}

// add appends seg to the current line. A line that outgrows lineMax is
// emitted cut right away (no need to buffer the rest), and the remainder up
// to the next newline is discarded.
func (s *lineStream) add(seg []byte) {
	lim := s.c.lineMax
	if s.overflow || len(seg) == 0 {
		return
	}
	if lim == 0 || len(s.buf)+len(seg) <= lim {
		s.buf = append(s.buf, seg...)
		return
	}
	room := lim - len(s.buf)
	line := append(s.buf, seg[:room]...)
	s.emit(line[:runeSafeCut(line, seg[room])], true)
	s.buf, s.overflow = s.buf[:0], true
}

// runeSafeCut returns where to cut line (len == lineMax) given the first byte
// that does not fit, backing off so a multi-byte UTF-8 rune is not split.
func runeSafeCut(line []byte, next byte) int {
	if utf8.RuneStart(next) {
		return len(line)
	}
	for i := len(line) - 1; i >= 0 && i >= len(line)-utf8.UTFMax; i-- {
		if line[i] >= 0xC0 { // lead byte of the rune that straddles the cut
			return i
		}
		if line[i] < 0x80 { // ASCII before continuation bytes: not UTF-8, cut bytes
			break
		}
	}
	return len(line)
}

// emit writes one line if the rate limit allows it, in a single Write so a
// line reaches the log collector in one piece.
func (s *lineStream) emit(line []byte, newline bool) {
	if !s.c.allow() {
		return
	}
	s.scratch = append(s.scratch[:0], line...)
	if newline {
		s.scratch = append(s.scratch, '\n')
	}
	if len(s.scratch) == 0 {
		return
	}
	_, _ = s.dst.Write(s.scratch)
	s.midLine = !newline
}

func (c *logCapper) allow() bool {
	c.roll()
	if c.perMinute == 0 || c.count < c.perMinute {
		c.count++
		return true
	}
	c.dropped++
	return false
}

// roll starts a new window once a minute has passed, reporting the previous
// window's drops first.
func (c *logCapper) roll() {
	now := c.now()
	if c.windowStart.IsZero() {
		c.windowStart = now
		return
	}
	if now.Sub(c.windowStart) >= time.Minute {
		c.reportDropped()
		c.windowStart, c.count = now, 0
	}
}

func (c *logCapper) reportDropped() {
	if c.dropped == 0 {
		return
	}
	c.note(fmt.Sprintf("cloudengine: dropped %d log line(s) in the last minute: the limit is %d lines per minute (stdout and stderr together; CLOUDENGINE_LOG_LINES_PER_MINUTE)",
		c.dropped, c.perMinute))
	c.dropped = 0
}

// note writes one of our own lines to stderr; it is not subject to the limit.
func (c *logCapper) note(msg string) {
	s := c.Stderr
	if s.midLine {
		msg = "\n" + msg
	}
	_, _ = io.WriteString(s.dst, msg+"\n")
	s.midLine = false
}

// Note is the supervisor's way to log without interleaving with app lines.
func (c *logCapper) Note(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.note(msg)
}

// Tick lets a window end (and its notice appear) even when the app is quiet.
func (c *logCapper) Tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.roll()
	}
}

// Close flushes unterminated last lines as they are, reports pending drops
// and discards anything written afterwards.
func (c *logCapper) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	for _, s := range []*lineStream{c.Stdout, c.Stderr} {
		if len(s.buf) > 0 && !s.overflow {
			s.emit(s.buf, false)
		}
		s.buf = s.buf[:0]
	}
	c.reportDropped()
	c.closed = true
}
