package main

import (
	"context"
	"fmt"
	"time"
)

// healthPolicy mirrors the platform: poll every second until the app first
// answers (giving up after StartupTimeout), then check every Interval and
// restart after Failures consecutive failures. Docker does not act on
// HEALTHCHECK status, so this loop is what actually restarts a sick app.
type healthPolicy struct {
	StartupTimeout time.Duration // 0: wait for the first success forever
	StartupPoll    time.Duration
	Interval       time.Duration // 0: no checks after start-up
	Failures       int
}

// superviseHealth runs until ctx ends or it calls stop once with the reason.
// ready (nil: none) hears every check result, so the serving gate opens on
// the first success and closes on any failure; its error stops the app.
func superviseHealth(ctx context.Context, p healthPolicy, check func() probeResult, ready func(healthy bool) error, note, stop func(string)) {
	setReady := func(healthy bool) bool {
		if ready == nil {
			return true
		}
		if err := ready(healthy); err != nil {
			stop(fmt.Sprintf("cloudengine: %v — stopping the app", err))
			return false
		}
		return true
	}
	start := time.Now()
	for {
		r := check()
		if ctx.Err() != nil {
			return
		}
		if r.Healthy {
			note(fmt.Sprintf("cloudengine: app is healthy after %s (%s)", time.Since(start).Round(time.Millisecond), r.Message))
			if !setReady(true) {
				return
			}
			break
		}
		if !setReady(false) {
			return
		}
		wait := p.StartupPoll
		if p.StartupTimeout > 0 {
			left := p.StartupTimeout - time.Since(start)
			if left <= 0 {
				stop(fmt.Sprintf("cloudengine: app did not become healthy within the %s startup timeout (CLOUDENGINE_STARTUP_TIMEOUT): %s — stopping it",
					p.StartupTimeout, r.Message))
				return
			}
			if left < wait {
				wait = left // make the last check right at the deadline
			}
		}
		if !sleep(ctx, wait) {
			return
		}
	}

	if p.Interval <= 0 {
		return
	}
	failures := 0
	for sleep(ctx, p.Interval) {
		r := check()
		if ctx.Err() != nil {
			return
		}
		if r.Healthy {
			if failures > 0 {
				note(fmt.Sprintf("cloudengine: health check passed again after %d failure(s)", failures))
			}
			failures = 0
			if !setReady(true) {
				return
			}
			continue
		}
		failures++
		note(fmt.Sprintf("cloudengine: health check failed (%d/%d): %s", failures, p.Failures, r.Message))
		if !setReady(false) {
			return
		}
		if failures >= p.Failures {
			stop(fmt.Sprintf("cloudengine: instance unhealthy (%d consecutive failed health checks; last: %s) — restarting", failures, r.Message))
			return
		}
	}
}

// sleep waits d and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
