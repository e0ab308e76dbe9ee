package bot_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
)

// sharedStore hands every ClaimDirectory the same directory, as the Redis
// store hands out its cached copy.
type sharedStore struct {
	*memstore.Store
	shared *ownership.Directory
}

func (s *sharedStore) ClaimDirectory(ctx context.Context, t ownership.TenantID, ttl time.Duration, keys ...string) (*ownership.Directory, bool, error) {
	first, err := s.ClaimAll(ctx, ttl, keys...)
	if err != nil || !first {
		return nil, first, err
	}
	return s.shared, true, nil
}

// TestAskOnceLeavesSharedDirectory: answering reads the directory
// ClaimDirectory shares between answers and changes nothing in it, for
// every kind of answer: one person, both, a cover (in force and ended), a
// vacated role, an empty role, a team's route, a custom role, knowledge,
// out of scope, a team to pick, a bare mention.
func TestAskOnceLeavesSharedDirectory(t *testing.T) {
	ctx := context.Background()
	_, st := newService(t)
	vacated := ownership.Person{ID: "U02MARCO", Name: "Marco Rossi"}
	if _, _, err := st.Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		co := d.Teams["checkout"]
		co.Covers = map[ownership.Role]ownership.Cover{
			ownership.ProductManager: {Person: dev, Until: now.Add(48 * time.Hour), By: lead, At: now.Add(-time.Hour)},
		}
		a := co.Roles[ownership.ProductOwner]
		a.Person, a.Vacated = ownership.Person{}, &ownership.Vacancy{Person: vacated, Since: now.Add(-72 * time.Hour), Reason: "Slack: account deactivated"}
		co.Roles[ownership.ProductOwner] = a
		pay := d.Teams["payments"]
		pay.Covers = map[ownership.Role]ownership.Cover{
			ownership.ProductOwner: {Person: dev, Until: now.Add(-time.Hour), By: lead, At: now.Add(-96 * time.Hour)},
		}
		pay.Routes = map[string]ownership.Role{"roadmap": ownership.ProductOwner}
		d.Roles = append(d.Roles, ownership.RoleDef{ID: "designer", Name: "Designer", Aliases: []string{"ux"}})
		pay.Roles["designer"] = ownership.Assignment{Person: ownership.Person{ID: "U06ANA", Name: "Ana Costa"}, AssignedBy: lead, AssignedAt: now.Add(-200 * 24 * time.Hour)}
		return []ownership.Change{{Action: "test.seed"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	shared, err := st.Directory(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	before := shared.Clone()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(&sharedStore{Store: st, shared: shared}, cat,
		bot.WithClock(func() time.Time { return now }), bot.WithAdmins("UADMIN"))

	questions := []struct {
		user    ownership.Person
		channel string
		text    string
	}{
		{dev, "C0CHECKOUT", "who writes the acceptance criteria for checkout?"},
		{dev, "C0CHECKOUT", "who owns the roadmap?"},
		{dev, "C0CHECKOUT", "who decides priorities?"},
		{dev, "C0PAYMENTS", "who owns the roadmap for payments?"},
		{dev, "C0PAYMENTS", "who accepts stories?"},
		{dev, "C0PAYMENTS", "who is the designer for payments?"},
		{dev, "C0MOBILE", "who decides priorities?"},
		{dev, "C0SEARCH", "who accepts stories for search?"},
		{lead, "C0SEARCH", "what is a product owner?"},
		{lead, "CNOWHERE", "who owns the roadmap?"},
		{stranger, "CNOWHERE", "what's for lunch today?"},
		{dev, "C0CHECKOUT", ""},
	}
	kinds := map[bot.Kind]bool{}
	for i, q := range questions {
		m := msg(q.user, q.channel, q.text)
		m.ID = "Ev" + strconv.Itoa(i)
		a, first, err := svc.AskOnce(ctx, m, time.Minute, "evt:"+m.ID)
		if err != nil || !first {
			t.Fatalf("AskOnce(%q) = %v, %v", q.text, first, err)
		}
		kinds[a.Kind] = true
		// What the renderers read of it.
		_, _, _ = a.Text(), a.Reasoning(), a.ReviewNote()
		if !reflect.DeepEqual(shared, before) {
			t.Fatalf("answering %q changed the shared directory", q.text)
		}
	}
	for _, k := range []bot.Kind{bot.KindPerson, bot.KindBoth, bot.KindKnowledge, bot.KindUnknown, bot.KindPickTeam} {
		if !kinds[k] {
			t.Errorf("no question was answered as %s; the questions no longer cover every kind", k)
		}
	}
}
