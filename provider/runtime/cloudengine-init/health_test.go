package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// scripted returns the given results in order, then repeats the last one.
type scripted struct {
	mu      sync.Mutex
	results []bool
	calls   int
}

func (s *scripted) check() probeResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.calls
	if i >= len(s.results) {
		i = len(s.results) - 1
	}
	s.calls++
	if s.results[i] {
		return probeResult{Healthy: true, Message: "ok"}
	}
	return probeResult{Message: "GET / returned 500"}
}

type recorder struct {
	mu    sync.Mutex
	notes []string
	stops []string
}

func (r *recorder) note(s string) { r.mu.Lock(); r.notes = append(r.notes, s); r.mu.Unlock() }
func (r *recorder) stop(s string) { r.mu.Lock(); r.stops = append(r.stops, s); r.mu.Unlock() }

func runPolicy(t *testing.T, p healthPolicy, results []bool) (*scripted, *recorder, time.Duration) {
	t.Helper()
	sc, rec := &scripted{results: results}, &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	superviseHealth(ctx, p, sc.check, nil, rec.note, rec.stop)
	return sc, rec, time.Since(start)
}

func TestStartupTimeoutStops(t *testing.T) {
	p := healthPolicy{StartupTimeout: 250 * time.Millisecond, StartupPoll: 50 * time.Millisecond, Interval: time.Second, Failures: 3}
	sc, rec, took := runPolicy(t, p, []bool{false})
	if len(rec.stops) != 1 || !strings.Contains(rec.stops[0], "did not become healthy within the 250ms startup timeout") ||
		!strings.Contains(rec.stops[0], "GET / returned 500") {
		t.Fatalf("stops %q", rec.stops)
	}
	if took < 250*time.Millisecond || took > 2*time.Second {
		t.Fatalf("stopped after %s", took)
	}
	if sc.calls < 5 { // polled every 50ms, including one at the deadline
		t.Fatalf("only %d start-up checks", sc.calls)
	}
}

func TestConsecutiveFailuresStop(t *testing.T) {
	p := healthPolicy{StartupTimeout: time.Second, StartupPoll: 10 * time.Millisecond, Interval: 20 * time.Millisecond, Failures: 3}
	// starts, fails twice, recovers (counter resets), then fails 3 times.
	sc, rec, _ := runPolicy(t, p, []bool{false, true, false, false, true, false, false, false, true})
	if len(rec.stops) != 1 || !strings.Contains(rec.stops[0], "instance unhealthy (3 consecutive failed health checks") ||
		!strings.Contains(rec.stops[0], "— restarting") {
		t.Fatalf("stops %q", rec.stops)
	}
	if sc.calls != 8 {
		t.Fatalf("%d checks, want 8 (stop right after the third consecutive failure)", sc.calls)
	}
	joined := strings.Join(rec.notes, "\n")
	for _, want := range []string{"app is healthy after", "health check failed (2/3)", "passed again after 2 failure(s)", "health check failed (3/3)"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
}

func TestIntervalZeroDisablesPeriodicChecks(t *testing.T) {
	p := healthPolicy{StartupTimeout: time.Second, StartupPoll: 10 * time.Millisecond, Interval: 0, Failures: 1}
	sc, rec, took := runPolicy(t, p, []bool{true, false})
	if sc.calls != 1 || len(rec.stops) != 0 || took > time.Second {
		t.Fatalf("calls %d stops %q took %s", sc.calls, rec.stops, took)
	}
}

func TestCancelEndsSupervision(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sc, rec := &scripted{results: []bool{false}}, &recorder{}
	done := make(chan struct{})
	go func() {
		superviseHealth(ctx, healthPolicy{StartupTimeout: 0, StartupPoll: 10 * time.Millisecond, Interval: time.Second, Failures: 1}, sc.check, nil, rec.note, rec.stop)
		close(done)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("supervision did not end on cancel")
	}
	if len(rec.stops) != 0 {
		t.Fatalf("stops %q", rec.stops)
	}
}

func TestReadyFollowsEveryCheck(t *testing.T) {
	p := healthPolicy{StartupTimeout: time.Second, StartupPoll: 10 * time.Millisecond, Interval: 10 * time.Millisecond, Failures: 2}
	sc, rec := &scripted{results: []bool{false, true, false, true, false, false}}, &recorder{}
	var got []bool
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	superviseHealth(ctx, p, sc.check, func(ok bool) error { got = append(got, ok); return nil }, rec.note, rec.stop)
	if want := "[false true false true false false]"; fmt.Sprint(got) != want || len(rec.stops) != 1 {
		t.Fatalf("ready calls %v, want %s; stops %q", got, want, rec.stops)
	}
}

func TestReadyErrorStops(t *testing.T) {
	p := healthPolicy{StartupTimeout: time.Second, StartupPoll: 10 * time.Millisecond, Interval: 10 * time.Millisecond, Failures: 3}
	sc, rec := &scripted{results: []bool{true, false, true}}, &recorder{}
	calls := 0
	ready := func(ok bool) error {
		if calls++; calls == 3 {
			return errors.New("cannot listen on 0.0.0.0:61000 (CLOUDENGINE_SERVE_PORT): address already in use")
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	superviseHealth(ctx, p, sc.check, ready, rec.note, rec.stop)
	if sc.calls != 3 || len(rec.stops) != 1 || rec.stops[0] != "cloudengine: cannot listen on 0.0.0.0:61000 (CLOUDENGINE_SERVE_PORT): address already in use — stopping the app" {
		t.Fatalf("checks %d stops %q", sc.calls, rec.stops)
	}
}
