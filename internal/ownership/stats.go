package ownership

import (
	"maps"
	"time"
)

// StatsRetention is how many days of statistics a store keeps per tenant:
// a day's counters expire StatsRetention days after the day, and no report
// spans more days than that.
const StatsRetention = 90

// StatsCounts are a tenant's usage counts over a day or a range of days.
// Maps are keyed by intent id (Picks, Helpful, NotHelpful) or team id
// (Teams); the ids come from the tenant's catalogue and directory, so a
// day holds a bounded number of fields.
type StatsCounts struct {
	// Questions counts the questions asked (a bare mention is none).
	Questions int64 `json:"questions"`
	// Answered counts questions answered with a person or an explanation.
	Answered int64 `json:"answered"`
	// Unknown counts the "I don't know" answers.
	Unknown int64 `json:"unknown"`
	// Fallback counts the answers given with "I read this as …, is that
	// right?" (the two-stage fallback).
	Fallback int64 `json:"fallback"`
	// Picks counts, per intent, what people picked from the buttons under
	// a fallback or an "I don't know".
	Picks map[string]int64 `json:"picks,omitempty"`
	// Helpful and NotHelpful count 👍 and 👎 per intent.
	Helpful    map[string]int64 `json:"helpful,omitempty"`
	NotHelpful map[string]int64 `json:"not_helpful,omitempty"`
	// Teams counts, per team id, the questions answered for the team.
	Teams map[string]int64 `json:"teams,omitempty"`
}

// Add adds o's counts to c.
func (c *StatsCounts) Add(o StatsCounts) {
	c.Questions += o.Questions
	c.Answered += o.Answered
	c.Unknown += o.Unknown
	c.Fallback += o.Fallback
	addCounts(&c.Picks, o.Picks)
	addCounts(&c.Helpful, o.Helpful)
	addCounts(&c.NotHelpful, o.NotHelpful)
	addCounts(&c.Teams, o.Teams)
}

func addCounts(dst *map[string]int64, src map[string]int64) {
	for k, v := range src {
		if *dst == nil {
			*dst = make(map[string]int64, len(src))
		}
		(*dst)[k] += v
	}
}

// IsZero reports whether nothing is counted.
func (c StatsCounts) IsZero() bool {
	return c.Questions == 0 && c.Answered == 0 && c.Unknown == 0 && c.Fallback == 0 &&
		len(c.Picks) == 0 && len(c.Helpful) == 0 && len(c.NotHelpful) == 0 && len(c.Teams) == 0
}

// Clone returns a copy that shares no map with c.
func (c StatsCounts) Clone() StatsCounts {
	c.Picks, c.Helpful, c.NotHelpful, c.Teams = maps.Clone(c.Picks), maps.Clone(c.Helpful), maps.Clone(c.NotHelpful), maps.Clone(c.Teams)
	return c
}

// Feedback returns the 👍 and 👎 per intent.
func (c StatsCounts) Feedback() map[string]FeedbackCount {
	out := make(map[string]FeedbackCount, len(c.Helpful)+len(c.NotHelpful))
	for k, v := range c.Helpful {
		f := out[k]
		f.Helpful += v
		out[k] = f
	}
	for k, v := range c.NotHelpful {
		f := out[k]
		f.NotHelpful += v
		out[k] = f
	}
	return out
}

// StatsDelta is counts to add to one tenant's statistics of one day.
type StatsDelta struct {
	Tenant TenantID
	// Day is any time of the day; its UTC date is the day counted.
	Day time.Time
	StatsCounts
}

// StatsDay is one UTC day's counts.
type StatsDay struct {
	// Day is the day's midnight, UTC.
	Day time.Time `json:"day"`
	StatsCounts
}

// StatsReport is a tenant's counts for a range of days.
type StatsReport struct {
	// Days has one entry per day of the range, oldest first; a day with
	// nothing counted (or past StatsRetention) has zero counts.
	Days []StatsDay `json:"days"`
}

// Total sums the report's days.
func (r StatsReport) Total() StatsCounts {
	var t StatsCounts
	for _, d := range r.Days {
		t.Add(d.StatsCounts)
	}
	return t
}

// Feedback returns the 👍 and 👎 per intent over the report's days.
func (r StatsReport) Feedback() map[string]FeedbackCount { return r.Total().Feedback() }

// StatsDayOf returns the UTC midnight of t's UTC date.
func StatsDayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// StatsDays checks a report's range as every store does and returns its
// days, oldest first: from and to count by their UTC dates, both included.
// A range that ends before it starts, or spans more than StatsRetention
// days, is invalid.
func StatsDays(from, to time.Time) ([]time.Time, error) {
	f, l := StatsDayOf(from), StatsDayOf(to)
	if l.Before(f) {
		return nil, Errorf(ErrInvalid, "A statistics range must not end before it starts.")
	}
	n := int(l.Sub(f).Hours()/24) + 1
	if n > StatsRetention {
		return nil, Errorf(ErrInvalid, "Statistics cover at most the last %d days.", StatsRetention)
	}
	out := make([]time.Time, n)
	for i := range out {
		out[i] = f.AddDate(0, 0, i)
	}
	return out, nil
}

// StatsKept reports whether the day of t is still kept at now: within the
// StatsRetention days that end with now's day. A delta for a day no longer
// kept is not recorded.
func StatsKept(t, now time.Time) bool {
	return !StatsDayOf(t).Before(StatsDayOf(now).AddDate(0, 0, -(StatsRetention - 1)))
}
