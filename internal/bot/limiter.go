package bot

import (
	"sync"
	"time"
)

// limiter is a fixed-window counter per key, kept in the replica. The limits
// are a politeness guard against one person flooding the bot, so an exact
// count across replicas is not worth a Redis round trip on every question:
// with N replicas behind a balancer a person gets at most N times the limit.
type limiter struct {
	mu      sync.Mutex
	windows map[string]*window
	swept   time.Time
}

type window struct {
	start time.Time
	count int
}

// allow counts one event for key at now and reports whether it fits within
// limit per w.
func (l *limiter) allow(key string, limit int, w time.Duration, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[string]*window{}
	}
	// Forget finished windows now and then so idle users cost no memory.
	if now.Sub(l.swept) > w {
		for k, win := range l.windows {
			if now.Sub(win.start) >= w {
				delete(l.windows, k)
			}
		}
		l.swept = now
	}
	win := l.windows[key]
	if win == nil || now.Sub(win.start) >= w {
		win = &window{start: now}
		l.windows[key] = win
	}
	win.count++
	return win.count <= limit
}
