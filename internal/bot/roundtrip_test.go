package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/sample"
	"github.com/whoowns/whoowns/internal/stats"
)

// TestAnswerCostsOneRoundTrip: a question costs one Redis round trip, with
// the per-user rate limits and usage counting switched on; the counts
// reach Redis with the counter's flush, one more round trip for all of
// them.
func TestAnswerCostsOneRoundTrip(t *testing.T) {
	t.Parallel()
	client, prefix := redistest.Client(t)
	st := redisstore.New(client, redisstore.WithPrefix(prefix))
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := sample.Directory(dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }})
	ctx := context.Background()
	if _, _, err := st.Update(ctx, tenant, func(dst *ownership.Directory) ([]ownership.Change, error) {
		return dirfile.Replace(dst, d, lead, now, "sample"), nil
	}); err != nil {
		t.Fatal(err)
	}
	counter := stats.New(st)
	s := bot.New(st, cat, bot.WithLimits(bot.Limits{Questions: 1000, Commands: 1000, Window: time.Minute}), bot.WithStats(counter))
	rt := &redistest.RoundTrips{}
	client.AddHook(rt)
	m := msg(dev, "C0CHECKOUT", "who writes the acceptance criteria?")
	ask(t, s, m) // warm the store's cache and scripts
	if err := counter.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"who writes the acceptance criteria?", "who owns the roadmap for payments?", "who decides priorities?", "what does a PO do?"} {
		rt.Reset()
		m.Text = q
		a := ask(t, s, m)
		if got := rt.Count(); got != 1 {
			t.Errorf("%q (%s) took %d round trips, want 1", q, a.Intent, got)
		}
	}
	// A lead's change on another replica is seen by the next answer, still
	// in one round trip.
	other := bot.New(redisstore.New(client, redisstore.WithPrefix(prefix)), cat)
	if _, err := other.Command(ctx, msg(lead, "", "set po <@U03JULES|jules> checkout")); err != nil {
		t.Fatal(err)
	}
	rt.Reset()
	m.Text = "who writes the acceptance criteria?"
	if a := ask(t, s, m); a.Holder.Person.ID != "U03JULES" || rt.Count() != 1 {
		t.Errorf("after a change elsewhere: holder %s in %d round trips", a.Holder.Person.ID, rt.Count())
	}
	rt.Reset()
	if err := counter.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if rt.Count() != 1 {
		t.Errorf("the flush of every count took %d round trips, want 1", rt.Count())
	}
	r, err := st.Stats(ctx, tenant, time.Now(), time.Now())
	if err != nil || r.Days[0].Questions != 6 || r.Days[0].Answered != 6 {
		t.Errorf("flushed counts = %+v, %v; want 6 questions answered (the first flushed before)", r.Days[0].StatsCounts, err)
	}
}
