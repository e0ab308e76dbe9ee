package app

import (
	"strings"
	"testing"
	"time"
)

func TestSchedulerSettings(t *testing.T) {
	t.Parallel()
	c, err := ConfigFromEnv(envOf(nil))
	if err != nil || c.SchedulerTick != time.Minute {
		t.Fatalf("default tick %v, %v; want 1m", c.SchedulerTick, err)
	}
	c, err = ConfigFromEnv(envOf(map[string]string{"WHOOWNS_SCHEDULER_TICK": "1s"}))
	if err != nil || c.SchedulerTick != time.Second {
		t.Fatalf("tick 1s: %v, %v", c.SchedulerTick, err)
	}
	for v, want := range map[string]string{
		"soon":  `WHOOWNS_SCHEDULER_TICK="soon" is not a duration`,
		"100ms": `WHOOWNS_SCHEDULER_TICK="100ms" is too short: use at least 1s`,
		"-1m":   `WHOOWNS_SCHEDULER_TICK="-1m" is too short`,
	} {
		if _, err := ConfigFromEnv(envOf(map[string]string{"WHOOWNS_SCHEDULER_TICK": v})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("WHOOWNS_SCHEDULER_TICK=%s: error %v, want it to say %q", v, err, want)
		}
	}
}

func TestReviewAfterSetting(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"": 90 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "720h": 720 * time.Hour, "2s": 2 * time.Second, "off": 0, "OFF": 0} {
		c, err := ConfigFromEnv(envOf(map[string]string{"WHOOWNS_REVIEW_AFTER": v}))
		if err != nil || c.ReviewAfter != want {
			t.Errorf("WHOOWNS_REVIEW_AFTER=%q: %v, %v; want %v", v, c.ReviewAfter, err, want)
		}
	}
	for _, v := range []string{"soon", "0d", "-3d", "0", "-1h", "90 days", "99999d"} {
		_, err := ConfigFromEnv(envOf(map[string]string{"WHOOWNS_REVIEW_AFTER": v}))
		if err == nil || !strings.Contains(err.Error(), "WHOOWNS_REVIEW_AFTER=") || !strings.Contains(err.Error(), "or off") {
			t.Errorf("WHOOWNS_REVIEW_AFTER=%q: error %v, want one naming the variable and the accepted forms", v, err)
		}
	}
}
