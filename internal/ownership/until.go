package ownership

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var relative = regexp.MustCompile(`^\+?(\d+)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$`)

// ParseUntil reads when a cover ends: "2026-12-01 17:00", "2026-12-01",
// "2026-12-01T17:00:00Z", "17:00" (today), "tomorrow", "friday",
// "friday 12:00", "3d", "in 2 weeks". A date without a time means the end of
// that day. Times are UTC. Chat commands and directory files share it.
func ParseUntil(s string, now time.Time) (time.Time, bool) {
	now = now.UTC()
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "in ")
	endOfDay := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, time.UTC)
	}
	if m := relative.FindStringSubmatch(strings.ReplaceAll(s, " ", "")); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 5000 {
			return time.Time{}, false
		}
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[m[2][0]]
		return now.Add(time.Duration(n) * unit), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, strings.ToUpper(s), time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.UTC); err == nil {
		return endOfDay(t), true
	}
	day, clock, hasClock := strings.Cut(s, " ")
	var base time.Time
	switch {
	case day == "today":
		base = now
	case day == "tomorrow":
		base = now.AddDate(0, 0, 1)
	default:
		if wd, ok := weekday(day); ok {
			delta := (int(wd) - int(now.Weekday()) + 7) % 7
			if delta == 0 {
				delta = 7
			}
			base = now.AddDate(0, 0, delta)
		} else if !hasClock {
			if c, err := time.Parse("15:04", s); err == nil {
				return time.Date(now.Year(), now.Month(), now.Day(), c.Hour(), c.Minute(), 0, 0, time.UTC), true
			}
			return time.Time{}, false
		} else {
			return time.Time{}, false
		}
	}
	if !hasClock {
		return endOfDay(base), true
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(base.Year(), base.Month(), base.Day(), c.Hour(), c.Minute(), 0, 0, time.UTC), true
}

func weekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || (len(s) >= 3 && strings.HasPrefix(name, s)) {
			return d, true
		}
	}
	return 0, false
}
