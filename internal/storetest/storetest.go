// Package storetest is the contract every ownership.Store must pass: the
// in-memory store, the Redis store on one server, and the Redis store on a
// Cluster all run the same Run, so callers can rely on store.go's documented
// semantics whichever store a deployment uses.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// UnansweredKept is how many unanswered questions every store keeps per
// tenant; older ones drop off.
const UnansweredKept = 500

// Run runs the contract suite as parallel subtests. newStore must return a
// store on a backend of the subtest's own (empty, isolated from other
// subtests); calling it again with the same t must return another store
// instance over the same data, as a second replica would see it. PerTest
// builds such a function. The suite closes every store it gets.
func Run(t *testing.T, newStore func(t *testing.T) ownership.Store) {
	open := func(t *testing.T) ownership.Store {
		t.Helper()
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	cases := []struct {
		name string
		fn   func(*testing.T, func(*testing.T) ownership.Store)
	}{
		{"UnknownTenantIsEmpty", testUnknownTenant},
		{"EmptyTenantIDIsInvalid", testEmptyTenantID},
		{"DoneContextIsUnavailable", testDoneContext},
		{"UpdateReadBack", testUpdateReadBack},
		{"DeepCopyIsolation", testDeepCopy},
		{"FnErrorWritesNothing", testFnError},
		{"NoChangesWritesNothing", testNoChanges},
		{"ReplicasSeeEachOthersWrites", testReplicas},
		{"ConcurrentUpdatesAllLand", testConcurrentUpdates},
		{"HistoryOrderAndFilter", testHistory},
		{"HistoryFilterPagesBack", testHistoryPaging},
		{"Unanswered", testUnanswered},
		{"UnansweredCapped", testUnansweredCap},
		{"RemoveUnanswered", testRemoveUnanswered},
		{"RemoveUnansweredExactlyOnce", testRemoveUnansweredOnce},
		{"ClearUnanswered", testClearUnanswered},
		{"Feedback", testFeedback},
		{"Stats", testStats},
		{"StatsRange", testStatsRange},
		{"StatsConcurrentReplicas", testStatsConcurrent},
		{"ClaimExactlyOnce", testClaim},
		{"ClaimExpires", testClaimExpiry},
		{"ClaimAllExactlyOnce", testClaimAll},
		{"ClaimAllOverlapping", testClaimAllOverlap},
		{"ClaimAllExpires", testClaimAllExpiry},
		{"ClaimAllTakesNothingOnConflict", testClaimAllConflict},
		{"ClaimDirectory", testClaimDirectory},
		{"ClaimDirectorySeesOtherReplicasWrites", testClaimDirectoryFresh},
		{"ReleaseLetsTheNextClaimWin", testRelease},
		{"UpdateRequestAppliesOnce", testUpdateRequest},
		{"UpdateRequestConcurrent", testUpdateRequestConcurrent},
		{"UpdateRequestNothingRecordedOnError", testUpdateRequestNoRecord},
		{"RequestLifecycle", testRequestLifecycle},
		{"RequestDecidedExactlyOnce", testRequestDecidedOnce},
		{"RequestAuthorizedInsideTheUpdate", testRequestAuthorize},
		{"RequestsExpire", testRequestExpiry},
		{"VacateExactlyOnce", testVacateOnce},
		{"MarkOnboarded", testOnboarded},
		{"Ref", testRef},
		{"TenantsIsolated", testTenants},
		{"PurgeTenantDeletesOneTenant", testPurgeTenant},
		{"WriteAfterPurgeListsTheTenant", testWriteAfterPurge},
		{"PingClose", testPingClose},
		{"RecordPickOneVotePerPerson", testRecordPick},
		{"RecordPickInvalid", testRecordPickInvalid},
		{"RecordPickConcurrentReplicas", testRecordPickConcurrent},
		{"CandidatesDropAndIsolation", testCandidates},
		{"CandidatesCapped", testCandidatesCap},
	}
	for _, c := range append(cases, jobCases...) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open)
		})
	}
}

// PerTest adapts a backend factory to Run: backend runs once per subtest
// and returns a function opening a store on that backend; every call of the
// result with the same t opens another store on the same backend.
func PerTest(backend func(t *testing.T) func() ownership.Store) func(t *testing.T) ownership.Store {
	var mu sync.Mutex
	opens := map[*testing.T]func() ownership.Store{}
	return func(t *testing.T) ownership.Store {
		mu.Lock()
		o, ok := opens[t]
		mu.Unlock()
		if !ok {
			o = backend(t)
			mu.Lock()
			opens[t] = o
			mu.Unlock()
			t.Cleanup(func() {
				mu.Lock()
				delete(opens, t)
				mu.Unlock()
			})
		}
		return o()
	}
}

const (
	tenantA ownership.TenantID = "slack:T0001"
	tenantB ownership.TenantID = "teams:72f988bf-86f1-41af-91ab-2d7cd011db47"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// sample returns a directory that uses every field, so round trips and
// copies are checked on all of them.
func sample() *ownership.Directory {
	alice := ownership.Person{ID: "U1", Name: "Alice"}
	bob := ownership.Person{ID: "29:bob", Name: "Bob"}
	d := ownership.NewDirectory(tenantA)
	d.Teams["payments"] = &ownership.Team{
		ID: "payments", Name: "Payments", Aliases: []string{"pay", "billing"},
		Roles: map[ownership.Role]ownership.Assignment{
			ownership.ProductManager: {Person: alice, AssignedBy: bob, AssignedAt: t0, ConfirmedAt: t0.Add(time.Hour),
				Flagged: &ownership.Flag{Since: t0, Reason: "left the Microsoft Teams team"}},
			ownership.ProductOwner: {Person: bob},
			"tech_lead":            {Vacated: &ownership.Vacancy{Person: ownership.Person{ID: "U7", Name: "Gone"}, Since: t0, Reason: "Slack: account deactivated"}},
		},
		Covers:   map[ownership.Role]ownership.Cover{ownership.ProductManager: {Person: bob, Until: t0.Add(48 * time.Hour), By: alice, At: t0}},
		Routes:   map[string]ownership.Role{"pricing": ownership.ProductOwner},
		Members:  []ownership.Person{alice, bob},
		Channels: []ownership.Channel{{ID: "C1", Name: "payments"}},
		Extra:    map[string]string{"jira": "PAY"},
	}
	d.Teams["mobile"] = &ownership.Team{ID: "mobile", Name: "Mobile"}
	d.Leads = []ownership.Person{alice}
	d.Roles = []ownership.RoleDef{{ID: "tech_lead", Name: "Tech Lead", Aliases: []string{"tl"}}}
	d.Intents = []ownership.CustomIntent{{ID: "pricing", Role: ownership.ProductOwner, Why: "POs own pricing", Phrases: []string{"who sets prices"}, By: alice, At: t0}}
	d.Phrases = []ownership.TaughtPhrase{{Phrase: "who decides", Intent: "priority", By: bob, At: t0}, {Phrase: "who signs off the copy", Intent: "acceptance_criteria", At: t0, People: 3}}
	d.Requests = []ownership.Request{{ID: "r1", Kind: ownership.ClaimRole, Team: "mobile", Role: ownership.ProductOwner, From: alice, Successor: alice,
		Created: t0, Expires: t0.Add(ownership.RequestLifetime), State: ownership.Pending}}
	return d
}

// seed stores sample() for tenant with one change and returns what Update
// returned.
func seed(t *testing.T, s ownership.Store, tenant ownership.TenantID) (*ownership.Directory, []ownership.Change) {
	t.Helper()
	d, ch, err := s.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		src := sample()
		d.Teams, d.Leads, d.Roles, d.Intents, d.Phrases, d.Requests = src.Teams, src.Leads, src.Roles, src.Intents, src.Phrases, src.Requests
		return []ownership.Change{{Actor: ownership.Person{ID: "U1"}, Action: "import", Summary: "Imported the directory."}}, nil
	})
	if err != nil {
		t.Fatalf("seed Update: %v", err)
	}
	return d, ch
}

// content is a directory's data without tenant and version, as JSON, so
// comparisons ignore how a store represents empty slices and maps.
func content(t *testing.T, d *ownership.Directory) string {
	t.Helper()
	c := *d
	c.Tenant, c.Version = "", 0
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := ownership.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

func mustDir(t *testing.T, s ownership.Store, tenant ownership.TenantID) *ownership.Directory {
	t.Helper()
	d, err := s.Directory(context.Background(), tenant)
	if err != nil {
		t.Fatalf("Directory(%s): %v", tenant, err)
	}
	return d
}

func mustHistory(t *testing.T, s ownership.Store, tenant ownership.TenantID, team string, limit int) []ownership.Change {
	t.Helper()
	h, err := s.History(context.Background(), tenant, team, limit)
	if err != nil {
		t.Fatalf("History(%s, %q, %d): %v", tenant, team, limit, err)
	}
	return h
}

func testUnknownTenant(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	d := mustDir(t, s, tenantA)
	if d.Tenant != tenantA || d.Version != 0 || d.Teams == nil || len(d.Teams) != 0 || len(d.Leads) != 0 {
		t.Errorf("Directory of unknown tenant = %+v, want empty with Tenant %q, version 0 and a non-nil Teams map", d, tenantA)
	}
	if h := mustHistory(t, s, tenantA, "", 10); len(h) != 0 {
		t.Errorf("History = %v, want none", h)
	}
	if q, err := s.Unanswered(ctx, tenantA, 10); err != nil || len(q) != 0 {
		t.Errorf("Unanswered = %v, %v; want none", q, err)
	}
	if f, err := s.Feedback(ctx, tenantA); err != nil || len(f) != 0 {
		t.Errorf("Feedback = %v, %v; want none", f, err)
	}
	if r, err := s.Ref(ctx, tenantA, "conv"); err != nil || r != nil {
		t.Errorf("Ref = %q, %v; want nil, nil", r, err)
	}
}

func testEmptyTenantID(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	noop := func(*ownership.Directory) ([]ownership.Change, error) {
		return []ownership.Change{{Action: "x"}}, nil
	}
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"Directory", func() error { _, err := s.Directory(ctx, ""); return err }},
		{"Update", func() error { _, _, err := s.Update(ctx, "", noop); return err }},
		{"History", func() error { _, err := s.History(ctx, "", "", 1); return err }},
		{"AddUnanswered", func() error { return s.AddUnanswered(ctx, "", ownership.Unanswered{Text: "x"}) }},
		{"Unanswered", func() error { _, err := s.Unanswered(ctx, "", 1); return err }},
		{"RemoveUnanswered", func() error { _, err := s.RemoveUnanswered(ctx, "", []string{"x"}); return err }},
		{"ClearUnanswered", func() error { _, err := s.ClearUnanswered(ctx, ""); return err }},
		{"AddFeedback", func() error { return s.AddFeedback(ctx, "", "i", true) }},
		{"Feedback", func() error { _, err := s.Feedback(ctx, ""); return err }},
		{"Stats", func() error { _, err := s.Stats(ctx, "", time.Now(), time.Now()); return err }},
		{"AddStats", func() error {
			return s.AddStats(ctx, []ownership.StatsDelta{{Day: time.Now(), StatsCounts: ownership.StatsCounts{Questions: 1}}})
		}},
		{"MarkOnboarded", func() error { _, err := s.MarkOnboarded(ctx, "", "U1", "t"); return err }},
		{"PutRef", func() error { return s.PutRef(ctx, "", "k", []byte("v")) }},
		{"Ref", func() error { _, err := s.Ref(ctx, "", "k"); return err }},
		{"RecordPick", func() error { _, err := s.RecordPick(ctx, "", pick("k", "roadmap", "U1", t0)); return err }},
		{"Candidates", func() error { _, err := s.Candidates(ctx, ""); return err }},
		{"DropCandidate", func() error { return s.DropCandidate(ctx, "", "k") }},
	} {
		wantCode(t, c.name+`("")`, c.call(), ownership.ErrInvalid)
	}
}

func testDoneContext(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	seed(t, s, tenantA)
	mustDir(t, s, tenantA) // warm any cache: a cached read must still fail
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Directory(ctx, tenantA)
	wantCode(t, "Directory(cancelled)", err, ownership.ErrUnavailable)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Directory(cancelled) = %v, want it to wrap context.Canceled", err)
	}
	_, _, err = s.Update(ctx, tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
		return []ownership.Change{{Action: "x"}}, nil
	})
	wantCode(t, "Update(cancelled)", err, ownership.ErrUnavailable)
	if d := mustDir(t, s, tenantA); d.Version != 1 {
		t.Errorf("version after a cancelled Update = %d, want 1", d.Version)
	}
}

func testUpdateReadBack(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	before := time.Now().Add(-time.Second)
	got, changes := seed(t, s, tenantA)
	if got.Version != 1 || got.Tenant != tenantA {
		t.Errorf("Update returned version %d tenant %q, want 1 %q", got.Version, got.Tenant, tenantA)
	}
	if want := content(t, sample()); content(t, got) != want {
		t.Errorf("Update returned\n%s\nwant\n%s", content(t, got), want)
	}
	if len(changes) != 1 || changes[0].ID == "" || changes[0].Action != "import" {
		t.Fatalf("Update changes = %+v, want one import with an id", changes)
	}
	if at := changes[0].At; at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("zero Change.At was filled with %v, want about now", at)
	}
	read := mustDir(t, s, tenantA)
	if read.Version != 1 || content(t, read) != content(t, got) {
		t.Errorf("Directory = v%d\n%s\nwant v1\n%s", read.Version, content(t, read), content(t, got))
	}
	// A second update bumps the version and keeps the rest.
	got2, _, err := s.Update(context.Background(), tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["mobile"].Roles = map[ownership.Role]ownership.Assignment{ownership.ProductOwner: {Person: ownership.Person{ID: "U9"}}}
		d.Version, d.Tenant = 99, "elsewhere" // the store owns these
		return []ownership.Change{{Team: "mobile", Action: "set", Field: "product_owner", New: "U9"}}, nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	read = mustDir(t, s, tenantA)
	if got2.Version != 2 || read.Version != 2 || read.Tenant != tenantA {
		t.Errorf("after 2nd Update: returned v%d, read v%d tenant %q; want v2 and %q", got2.Version, read.Version, read.Tenant, tenantA)
	}
	if h := read.Teams["mobile"].Roles[ownership.ProductOwner].Person.ID; h != "U9" {
		t.Errorf("mobile PO = %q, want U9", h)
	}
	if content(t, read) != content(t, got2) {
		t.Errorf("Directory differs from what Update returned")
	}
}

func testDeepCopy(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	ret, _ := seed(t, s, tenantA)
	want := content(t, sample())
	vandalise := func(d *ownership.Directory) {
		p := d.Teams["payments"]
		p.Members[0].Name = "Mallory"
		p.Aliases[0] = "x"
		p.Roles["tech_lead"].Vacated.Person.Name = "X"
		p.Roles[ownership.ProductManager].Flagged.Reason = "X"
		p.Roles[ownership.ProductManager] = ownership.Assignment{Person: ownership.Person{ID: "X"}}
		d.Requests[0].From.Name = "X"
		p.Covers[ownership.ProductManager] = ownership.Cover{}
		p.Routes["pricing"] = ownership.None
		p.Channels[0].ID = "X"
		p.Extra["jira"] = "X"
		d.Leads[0].ID = "X"
		d.Roles[0].Aliases[0] = "x"
		d.Intents[0].Phrases[0] = "x"
		d.Phrases[0].Phrase = "x"
		delete(d.Teams, "mobile")
		d.Teams["new"] = &ownership.Team{ID: "new"}
	}
	vandalise(ret)
	if got := content(t, mustDir(t, s, tenantA)); got != want {
		t.Errorf("mutating Update's result changed the store:\n%s\nwant\n%s", got, want)
	}
	d := mustDir(t, s, tenantA)
	vandalise(d)
	if got := content(t, mustDir(t, s, tenantA)); got != want {
		t.Errorf("mutating Directory's result changed the store:\n%s\nwant\n%s", got, want)
	}
	// An fn that keeps its argument and mutates it after Update returned.
	var kept *ownership.Directory
	if _, _, err := s.Update(ctx, tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
		kept = d
		return []ownership.Change{{Action: "touch"}}, nil
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	vandalise(kept)
	if got := content(t, mustDir(t, s, tenantA)); got != want {
		t.Errorf("mutating fn's argument after Update changed the store:\n%s\nwant\n%s", got, want)
	}
}

func testFnError(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	seed(t, s, tenantA)
	want := content(t, mustDir(t, s, tenantA))
	for _, fnErr := range []error{errors.New("boom"), ownership.Errorf(ownership.ErrForbidden, "Only leads may do this.")} {
		_, _, err := s.Update(context.Background(), tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
			delete(d.Teams, "payments")
			d.Leads = nil
			return []ownership.Change{{Action: "unset"}}, fnErr
		})
		if err != fnErr { // identity, not errors.Is: passed through unchanged
			t.Errorf("Update returned %v, want fn's error %v unchanged", err, fnErr)
		}
	}
	d := mustDir(t, s, tenantA)
	if d.Version != 1 || content(t, d) != want {
		t.Errorf("after failed Updates: v%d, changed=%v; want v1 unchanged", d.Version, content(t, d) != want)
	}
	if h := mustHistory(t, s, tenantA, "", 10); len(h) != 1 {
		t.Errorf("History has %d entries, want only the seed's", len(h))
	}
}

func testNoChanges(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	seed(t, s, tenantA)
	want := content(t, mustDir(t, s, tenantA))
	d, ch, err := s.Update(context.Background(), tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
		delete(d.Teams, "payments") // mutated, but no change reported
		return nil, nil
	})
	if err != nil || len(ch) != 0 {
		t.Fatalf("Update = %v changes, %v; want none, nil", ch, err)
	}
	if d.Version != 1 || content(t, d) != want {
		t.Errorf("Update without changes returned v%d (changed=%v), want the stored v1", d.Version, content(t, d) != want)
	}
	read := mustDir(t, s, tenantA)
	if read.Version != 1 || content(t, read) != want {
		t.Errorf("Update without changes wrote: v%d", read.Version)
	}
	if h := mustHistory(t, s, tenantA, "", 10); len(h) != 1 {
		t.Errorf("History has %d entries, want 1", len(h))
	}
}

func testReplicas(t *testing.T, open func(*testing.T) ownership.Store) {
	s1, s2 := open(t), open(t)
	seed(t, s1, tenantA)
	if d := mustDir(t, s2, tenantA); d.Version != 1 || d.Teams["payments"] == nil {
		t.Fatalf("second instance read v%d, want v1 with payments", d.Version)
	}
	mustDir(t, s1, tenantA) // both now hold v1, whatever they cache
	for i, w := range []ownership.Store{s2, s1, s2} {
		name := fmt.Sprintf("team%d", i)
		if _, _, err := w.Update(context.Background(), tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
			d.Teams[name] = &ownership.Team{ID: name, Name: name}
			return []ownership.Change{{Team: name, Action: "team.add"}}, nil
		}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		for j, r := range []ownership.Store{s1, s2} {
			d := mustDir(t, r, tenantA)
			if d.Version != int64(i+2) || d.Teams[name] == nil {
				t.Errorf("instance %d after write %d: v%d, has %s=%v; want v%d with it", j+1, i+1, d.Version, name, d.Teams[name] != nil, i+2)
			}
		}
	}
}

func testConcurrentUpdates(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	if _, _, err := stores[0].Update(ctx, tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["core"] = &ownership.Team{ID: "core", Name: "Core", Extra: map[string]string{"n": "0"}}
		return []ownership.Change{{Team: "core", Action: "team.add"}}, nil
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	const n = 20
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, ch, err := stores[i%2].Update(ctx, tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
				c := d.Teams["core"]
				c.Members = append(c.Members, ownership.Person{ID: fmt.Sprintf("U%02d", i)})
				k, err := strconv.Atoi(c.Extra["n"])
				if err != nil {
					return nil, err
				}
				c.Extra["n"] = strconv.Itoa(k + 1)
				return []ownership.Change{{Team: "core", Action: "member.add", New: fmt.Sprintf("U%02d", i)}}, nil
			})
			errs[i] = err
			if len(ch) == 1 {
				ids[i] = ch[0].ID
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	for j, s := range stores {
		d := mustDir(t, s, tenantA)
		c := d.Teams["core"]
		seen := map[string]bool{}
		for _, m := range c.Members {
			seen[m.ID] = true
		}
		if d.Version != n+1 || len(c.Members) != n || len(seen) != n || c.Extra["n"] != strconv.Itoa(n) {
			t.Errorf("instance %d: v%d, %d members (%d distinct), counter %s; want v%d, %d, %d, %d",
				j+1, d.Version, len(c.Members), len(seen), c.Extra["n"], n+1, n, n, n)
		}
	}
	h := mustHistory(t, stores[0], tenantA, "core", 100)
	if len(h) != n+1 {
		t.Errorf("History has %d entries, want %d", len(h), n+1)
	}
	inHistory := map[string]bool{}
	for _, c := range h {
		inHistory[c.ID] = true
	}
	if len(inHistory) != len(h) {
		t.Errorf("History ids are not distinct: %d of %d", len(inHistory), len(h))
	}
	for i, id := range ids {
		if !inHistory[id] {
			t.Errorf("Update %d's change id %q is not in History", i, id)
		}
	}
}

func testHistory(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	at := t0.Add(time.Hour)
	batches := [][]ownership.Change{
		{{Team: "a", Action: "a1", At: at, Actor: ownership.Person{ID: "U1", Name: "Alice"}, Field: "product_manager", Old: "U0", New: "U1", Summary: "Alice is PM of A."}, {Team: "b", Action: "b1"}},
		{{Action: "t1"}},
		{{Team: "a", Action: "a2"}},
	}
	var returned []ownership.Change
	for _, b := range batches {
		_, ch, err := s.Update(ctx, tenantA, func(*ownership.Directory) ([]ownership.Change, error) { return b, nil })
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		returned = append(returned, ch...)
	}
	actions := func(h []ownership.Change) string {
		var s string
		for _, c := range h {
			s += c.Action + " "
		}
		return s
	}
	for _, c := range []struct {
		team  string
		limit int
		want  string
	}{
		{"", 10, "a2 t1 b1 a1 "},
		{"", 2, "a2 t1 "},
		{"a", 10, "a2 a1 "},
		{"a", 1, "a2 "},
		{"b", 10, "b1 "},
		{"nope", 10, ""},
		{"", 0, ""},
		{"", -1, ""},
	} {
		if got := actions(mustHistory(t, s, tenantA, c.team, c.limit)); got != c.want {
			t.Errorf("History(team %q, limit %d) = %q, want %q", c.team, c.limit, got, c.want)
		}
	}
	h := mustHistory(t, s, tenantA, "", 10)
	byAction := map[string]ownership.Change{}
	for _, c := range h {
		byAction[c.Action] = c
	}
	for _, r := range returned {
		if r.ID == "" || byAction[r.Action].ID != r.ID {
			t.Errorf("change %s: Update gave id %q, History has %q", r.Action, r.ID, byAction[r.Action].ID)
		}
	}
	a1 := byAction["a1"]
	a1.ID = ""
	if want := batches[0][0]; !a1.At.Equal(want.At) || a1.Actor != want.Actor || a1.Field != want.Field || a1.Old != want.Old || a1.New != want.New || a1.Summary != want.Summary || a1.Team != want.Team {
		t.Errorf("History entry = %+v, want %+v", a1, want)
	}
}

func testHistoryPaging(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	update := func(changes []ownership.Change) {
		t.Helper()
		if _, _, err := s.Update(ctx, tenantA, func(*ownership.Directory) ([]ownership.Change, error) { return changes, nil }); err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	update([]ownership.Change{{Team: "rare", Action: "old"}})
	many := make([]ownership.Change, 450)
	for i := range many {
		many[i] = ownership.Change{Team: "busy", Action: strconv.Itoa(i)}
	}
	update(many)
	if h := mustHistory(t, s, tenantA, "rare", 5); len(h) != 1 || h[0].Action != "old" {
		t.Errorf("History(rare) = %+v, want the one old entry behind 450 others", h)
	}
	h := mustHistory(t, s, tenantA, "busy", 300)
	if len(h) != 300 || h[0].Action != "449" || h[299].Action != "150" {
		t.Errorf("History(busy, 300): %d entries from %q to %q, want 300 from 449 to 150", len(h), h[0].Action, h[len(h)-1].Action)
	}
	if h := mustHistory(t, s, tenantA, "", 1000); len(h) != 451 {
		t.Errorf("History(all) = %d entries, want 451", len(h))
	}
}

func testUnanswered(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	for i := range 3 {
		q := ownership.Unanswered{At: t0.Add(time.Duration(i) * time.Minute), Asker: ownership.Person{ID: "U1", Name: "Al"}, Channel: "C1", Text: fmt.Sprintf("q%d", i), Closest: []string{"pricing", "roadmap"}, Platform: "slack"}
		if err := s.AddUnanswered(ctx, tenantA, q); err != nil {
			t.Fatalf("AddUnanswered: %v", err)
		}
	}
	got, err := s.Unanswered(ctx, tenantA, 10)
	if err != nil {
		t.Fatalf("Unanswered: %v", err)
	}
	if len(got) != 3 || got[0].Text != "q2" || got[2].Text != "q0" {
		t.Fatalf("Unanswered = %+v, want q2 q1 q0", got)
	}
	want := ownership.Unanswered{At: t0.Add(2 * time.Minute), Asker: ownership.Person{ID: "U1", Name: "Al"}, Channel: "C1", Text: "q2", Closest: []string{"pricing", "roadmap"}, Platform: "slack"}
	if g := got[0]; !g.At.Equal(want.At) || g.Asker != want.Asker || g.Channel != want.Channel || g.Platform != want.Platform || fmt.Sprint(g.Closest) != fmt.Sprint(want.Closest) {
		t.Errorf("Unanswered[0] = %+v, want %+v", g, want)
	}
	got[0].Closest[0] = "x" // the caller's own copy
	if got, _ := s.Unanswered(ctx, tenantA, 1); len(got) != 1 || got[0].Text != "q2" || got[0].Closest[0] != "pricing" {
		t.Errorf("Unanswered(1) = %+v, want q2 unchanged", got)
	}
	if got, _ := s.Unanswered(ctx, tenantA, 0); len(got) != 0 {
		t.Errorf("Unanswered(0) = %+v, want none", got)
	}
}

// queueTexts returns the tenant's queue as texts, newest first.
func queueTexts(t *testing.T, s ownership.Store, tenant ownership.TenantID) []string {
	t.Helper()
	qs, err := s.Unanswered(context.Background(), tenant, 1000)
	if err != nil {
		t.Fatalf("Unanswered: %v", err)
	}
	return texts(qs)
}

func texts(qs []ownership.Unanswered) []string {
	out := make([]string, 0, len(qs))
	for _, q := range qs {
		out = append(out, q.Text)
	}
	return out
}

func testRemoveUnanswered(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	odd := "B <b> & \"quoted\" ünïcödé \u2028 end"
	queue := []ownership.Unanswered{
		{At: t0, Asker: ownership.Person{ID: "U1", Name: "Al"}, Text: "who owns A", Closest: []string{"pricing"}, Platform: "slack"},
		{At: t0.Add(time.Minute), Asker: ownership.Person{ID: "U2", Name: "Bo"}, Text: "Who owns A?"},
		{At: t0.Add(2 * time.Minute), Asker: ownership.Person{ID: "U3", Name: "Cy"}, Channel: "C9", Text: odd},
		{At: t0.Add(3 * time.Minute), Asker: ownership.Person{ID: "U2", Name: "Bo"}, Text: "who owns A"},
		{At: t0.Add(3 * time.Minute), Asker: ownership.Person{ID: "U2", Name: "Bo"}, Text: "who owns A"}, // the same entry twice
		{At: t0.Add(4 * time.Minute), Asker: ownership.Person{ID: "U4", Name: "Di"}, Text: "C"},
	}
	for _, q := range queue {
		if err := s.AddUnanswered(ctx, tenantA, q); err != nil {
			t.Fatalf("AddUnanswered: %v", err)
		}
	}
	if err := s.AddUnanswered(ctx, tenantB, ownership.Unanswered{At: t0, Text: "who owns A"}); err != nil {
		t.Fatalf("AddUnanswered: %v", err)
	}
	got, err := s.RemoveUnanswered(ctx, tenantA, []string{"who owns A", odd, "not queued"})
	if err != nil {
		t.Fatalf("RemoveUnanswered: %v", err)
	}
	if want := []string{"who owns A", "who owns A", odd, "who owns A"}; fmt.Sprint(texts(got)) != fmt.Sprint(want) {
		t.Fatalf("RemoveUnanswered took %q, want %q (newest first)", texts(got), want)
	}
	if g := got[3]; !g.At.Equal(t0) || g.Asker != queue[0].Asker || g.Platform != "slack" || fmt.Sprint(g.Closest) != "[pricing]" {
		t.Errorf("RemoveUnanswered returned %+v, want the question as queued: %+v", g, queue[0])
	}
	if g := got[2]; g.Channel != "C9" || !g.At.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("RemoveUnanswered returned %+v, want %+v", g, queue[2])
	}
	if left, want := queueTexts(t, s, tenantA), []string{"C", "Who owns A?"}; fmt.Sprint(left) != fmt.Sprint(want) {
		t.Errorf("queue after RemoveUnanswered = %q, want %q", left, want)
	}
	if left := queueTexts(t, s, tenantB); len(left) != 1 {
		t.Errorf("other tenant's queue = %q, want its question untouched", left)
	}
	for _, none := range [][]string{nil, {}, {"who owns A"}, {"c"}} {
		if got, err := s.RemoveUnanswered(ctx, tenantA, none); err != nil || len(got) != 0 {
			t.Errorf("RemoveUnanswered(%q) = %q, %v; want nothing taken", none, texts(got), err)
		}
	}
	if got, err := s.RemoveUnanswered(ctx, "teams:00000000-0000-0000-0000-00000000abcd", []string{"x"}); err != nil || len(got) != 0 {
		t.Errorf("RemoveUnanswered on an unknown tenant = %q, %v; want nothing", texts(got), err)
	}
	if err := s.AddUnanswered(ctx, tenantA, ownership.Unanswered{At: t0.Add(time.Hour), Text: "who owns A"}); err != nil {
		t.Fatalf("AddUnanswered: %v", err)
	}
	if left, want := queueTexts(t, s, tenantA), []string{"who owns A", "C", "Who owns A?"}; fmt.Sprint(left) != fmt.Sprint(want) {
		t.Errorf("queue after asking again = %q, want %q", left, want)
	}
}

// testRemoveUnansweredOnce: replicas removing the same question at once
// take each queued copy exactly once between them.
func testRemoveUnansweredOnce(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	const n = 20
	for i := range n {
		if err := stores[0].AddUnanswered(ctx, tenantA, ownership.Unanswered{At: t0.Add(time.Duration(i) * time.Second), Text: "same"}); err != nil {
			t.Fatalf("AddUnanswered: %v", err)
		}
		if err := stores[0].AddUnanswered(ctx, tenantA, ownership.Unanswered{At: t0.Add(time.Duration(i) * time.Second), Text: "other"}); err != nil {
			t.Fatalf("AddUnanswered: %v", err)
		}
	}
	var wg sync.WaitGroup
	taken := make([]int, 8)
	for i := range taken {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := stores[i%2].RemoveUnanswered(ctx, tenantA, []string{"same"})
			if err != nil {
				t.Errorf("RemoveUnanswered: %v", err)
			}
			taken[i] = len(got)
		}()
	}
	wg.Wait()
	total := 0
	for _, k := range taken {
		total += k
	}
	if total != n {
		t.Errorf("concurrent RemoveUnanswered took %d questions in all (%v), want %d", total, taken, n)
	}
	if left := queueTexts(t, stores[1], tenantA); len(left) != n || slices.Contains(left, "same") {
		t.Errorf("queue after the removals = %q, want the %d others only", left, n)
	}
}

func testClearUnanswered(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	if got, err := s.ClearUnanswered(ctx, tenantA); err != nil || len(got) != 0 {
		t.Errorf("ClearUnanswered of an empty queue = %q, %v; want nothing", texts(got), err)
	}
	for i := range 3 {
		if err := s.AddUnanswered(ctx, tenantA, ownership.Unanswered{At: t0.Add(time.Duration(i) * time.Minute), Asker: ownership.Person{ID: "U1"}, Text: fmt.Sprintf("q%d", i)}); err != nil {
			t.Fatalf("AddUnanswered: %v", err)
		}
	}
	if err := s.AddUnanswered(ctx, tenantB, ownership.Unanswered{At: t0, Text: "kept"}); err != nil {
		t.Fatalf("AddUnanswered: %v", err)
	}
	got, err := s.ClearUnanswered(ctx, tenantA)
	if err != nil {
		t.Fatalf("ClearUnanswered: %v", err)
	}
	if want := []string{"q2", "q1", "q0"}; fmt.Sprint(texts(got)) != fmt.Sprint(want) || got[0].Asker.ID != "U1" || !got[0].At.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("ClearUnanswered = %+v, want %q newest first, as queued", got, want)
	}
	if left := queueTexts(t, s, tenantA); len(left) != 0 {
		t.Errorf("queue after ClearUnanswered = %q, want empty", left)
	}
	if again, err := s.ClearUnanswered(ctx, tenantA); err != nil || len(again) != 0 {
		t.Errorf("second ClearUnanswered = %q, %v; want nothing", texts(again), err)
	}
	if left := queueTexts(t, s, tenantB); len(left) != 1 {
		t.Errorf("other tenant's queue = %q, want it untouched", left)
	}
	if err := s.AddUnanswered(ctx, tenantA, ownership.Unanswered{At: t0, Text: "new"}); err != nil {
		t.Fatalf("AddUnanswered after a clear: %v", err)
	}
	if left := queueTexts(t, s, tenantA); fmt.Sprint(left) != "[new]" {
		t.Errorf("queue after a clear and a new question = %q, want [new]", left)
	}
}

func testUnansweredCap(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	const n = UnansweredKept + 10
	for i := range n {
		if err := s.AddUnanswered(ctx, tenantA, ownership.Unanswered{Text: strconv.Itoa(i)}); err != nil {
			t.Fatalf("AddUnanswered: %v", err)
		}
	}
	got, err := s.Unanswered(ctx, tenantA, 2*n)
	if err != nil {
		t.Fatalf("Unanswered: %v", err)
	}
	if len(got) != UnansweredKept || got[0].Text != strconv.Itoa(n-1) || got[len(got)-1].Text != strconv.Itoa(n-UnansweredKept) {
		t.Errorf("after %d questions: %d kept, newest %q, oldest %q; want %d, %d, %d", n, len(got), got[0].Text, got[len(got)-1].Text, UnansweredKept, n-1, n-UnansweredKept)
	}
}

func testFeedback(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	votes := []struct {
		intent  string
		helpful bool
	}{{"roadmap", true}, {"roadmap", true}, {"roadmap", false}, {"odd:+-intent", false}, {"+x", true}}
	for _, v := range votes {
		if err := s.AddFeedback(ctx, tenantA, v.intent, v.helpful); err != nil {
			t.Fatalf("AddFeedback: %v", err)
		}
	}
	got, err := s.Feedback(ctx, tenantA)
	if err != nil {
		t.Fatalf("Feedback: %v", err)
	}
	want := map[string]ownership.FeedbackCount{"roadmap": {Helpful: 2, NotHelpful: 1}, "odd:+-intent": {NotHelpful: 1}, "+x": {Helpful: 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Feedback = %v, want %v", got, want)
	}
}

func testClaim(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range n {
		wg.Go(func() {
			ok, err := stores[i%2].Claim(ctx, "evt:Ev123", time.Minute)
			if err != nil {
				t.Errorf("Claim: %v", err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of %d concurrent claims won, want exactly 1", won, n)
	}
	if ok, err := stores[0].Claim(ctx, "evt:Ev124", time.Minute); !ok || err != nil {
		t.Errorf("Claim of another key = %v, %v; want true", ok, err)
	}
	_, err := stores[0].Claim(ctx, "evt:zero", 0)
	wantCode(t, "Claim(ttl 0)", err, ownership.ErrInvalid)
}

func testClaimAll(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	const n = 20
	var wg sync.WaitGroup
	var won atomic.Int32
	for i := range n {
		wg.Go(func() {
			ok, err := stores[i%2].ClaimAll(ctx, time.Minute, "evt:Ev200", "msg:C1:1.0")
			if err != nil {
				t.Errorf("ClaimAll: %v", err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Errorf("%d of %d concurrent ClaimAll calls won, want exactly 1", won.Load(), n)
	}
	// Claim and ClaimAll share one key space, both ways.
	for _, k := range []string{"evt:Ev200", "msg:C1:1.0"} {
		if ok, err := stores[0].Claim(ctx, k, time.Minute); ok || err != nil {
			t.Errorf("Claim(%q) after ClaimAll = %v, %v; want false", k, ok, err)
		}
	}
	if ok, err := stores[1].Claim(ctx, "msg:C1:2.0", time.Minute); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if ok, err := stores[0].ClaimAll(ctx, time.Minute, "evt:Ev201", "msg:C1:2.0"); ok || err != nil {
		t.Errorf("ClaimAll with one key already claimed = %v, %v; want false", ok, err)
	}
	if ok, err := stores[0].ClaimAll(ctx, time.Minute, "evt:Ev202", "msg:C1:3.0"); !ok || err != nil {
		t.Errorf("ClaimAll of free keys = %v, %v; want true", ok, err)
	}
	if ok, err := stores[1].ClaimAll(ctx, time.Minute, "evt:Ev203"); !ok || err != nil {
		t.Errorf("ClaimAll of one free key = %v, %v; want true", ok, err)
	}
	if ok, err := stores[0].ClaimAll(ctx, time.Minute, "evt:Ev203"); ok || err != nil {
		t.Errorf("ClaimAll of one claimed key = %v, %v; want false", ok, err)
	}
	_, err := stores[0].ClaimAll(ctx, 0, "evt:zero", "msg:zero")
	wantCode(t, "ClaimAll(ttl 0)", err, ownership.ErrInvalid)
	_, err = stores[0].ClaimAll(ctx, time.Minute)
	wantCode(t, "ClaimAll(no keys)", err, ownership.ErrInvalid)
}

// testClaimAllOverlap races deliveries that share only some keys, as two
// events carrying one message do: the shared key goes to exactly one.
func testClaimAllOverlap(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	for round := range 10 {
		shared := fmt.Sprintf("msg:C9:%d.0", round)
		var wg sync.WaitGroup
		var won atomic.Int32
		for i := range 6 {
			wg.Go(func() {
				keys := []string{fmt.Sprintf("evt:Ov%d-%d", round, i), shared}
				if i%2 == 1 {
					keys[0], keys[1] = keys[1], keys[0]
				}
				ok, err := stores[i%2].ClaimAll(ctx, time.Minute, keys...)
				if err != nil {
					t.Errorf("ClaimAll: %v", err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Errorf("round %d: %d of 6 ClaimAll calls sharing one key won, want exactly 1", round, won.Load())
		}
	}
}

func testClaimAllExpiry(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	if ok, err := s.ClaimAll(ctx, 200*time.Millisecond, "evt:shortall", "msg:shortall"); !ok || err != nil {
		t.Fatalf("first ClaimAll = %v, %v", ok, err)
	}
	if ok, err := s.ClaimAll(ctx, 200*time.Millisecond, "evt:shortall", "msg:shortall"); ok || err != nil {
		t.Fatalf("second ClaimAll within ttl = %v, %v; want false", ok, err)
	}
	poll(t, "ClaimAll after its ttl", 10*time.Second, func() bool {
		ok, err := s.ClaimAll(ctx, time.Minute, "evt:shortall", "msg:shortall")
		if err != nil {
			t.Fatalf("ClaimAll: %v", err)
		}
		return ok
	})
}

// testClaimAllConflict: when one key is already claimed, ClaimAll leaves
// the others unclaimed, so a later delivery can still take them.
func testClaimAllConflict(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	// "zz" sorts last, so a key-by-key claim reaches it after taking "aa".
	if ok, err := s.Claim(ctx, "conflict:zz", time.Minute); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if ok, err := s.ClaimAll(ctx, time.Minute, "conflict:aa", "conflict:zz"); ok || err != nil {
		t.Fatalf("ClaimAll over a taken key = %v, %v; want false", ok, err)
	}
	if ok, err := s.Claim(ctx, "conflict:aa", time.Minute); !ok || err != nil {
		t.Errorf("the free key was left claimed by a failed ClaimAll: Claim = %v, %v", ok, err)
	}
}

func testClaimDirectory(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	seed(t, stores[0], tenantA)
	want := content(t, mustDir(t, stores[0], tenantA))
	const n = 20
	var wg sync.WaitGroup
	var won atomic.Int32
	for i := range n {
		wg.Go(func() {
			d, first, err := stores[i%2].ClaimDirectory(ctx, tenantA, time.Minute, "evt:Ev300", "msg:C1:9.0")
			switch {
			case err != nil:
				t.Errorf("ClaimDirectory: %v", err)
			case first:
				won.Add(1)
				if d == nil || d.Version != 1 || content(t, d) != want {
					t.Errorf("the first ClaimDirectory returned %+v, want the stored directory", d)
				}
			case d != nil:
				t.Errorf("a losing ClaimDirectory returned a directory")
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Errorf("%d of %d concurrent ClaimDirectory calls won, want exactly 1", won.Load(), n)
	}
	// One key space with Claim and ClaimAll.
	if ok, err := stores[1].Claim(ctx, "msg:C1:9.0", time.Minute); ok || err != nil {
		t.Errorf("Claim after ClaimDirectory = %v, %v; want false", ok, err)
	}
	if ok, err := stores[1].Claim(ctx, "evt:Ev301", time.Minute); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if d, first, err := stores[0].ClaimDirectory(ctx, tenantA, time.Minute, "evt:Ev301", "msg:C1:9.1"); first || d != nil || err != nil {
		t.Errorf("ClaimDirectory of a claimed key = %v, %v, %v; want nil, false, nil", d, first, err)
	}
	// The directory is read-only and may be shared with other answers; a
	// Directory result is the caller's own, so changing one leaves what
	// ClaimDirectory hands out as stored.
	own := mustDir(t, stores[0], tenantA)
	own.Teams["payments"].Name = "changed"
	own.Teams["payments"].Members[0].Name = "changed"
	own.Teams["payments"].Roles[ownership.ProductOwner] = ownership.Assignment{Person: ownership.Person{ID: "U0CHANGED"}}
	own.Leads = append(own.Leads[:0], ownership.Person{ID: "U0CHANGED"})
	for i := range own.Roles {
		if len(own.Roles[i].Aliases) > 0 {
			own.Roles[i].Aliases[0] = "changed"
		}
	}
	for i := range own.Intents {
		if len(own.Intents[i].Phrases) > 0 {
			own.Intents[i].Phrases[0] = "changed"
		}
	}
	d, first, err := stores[0].ClaimDirectory(ctx, tenantA, time.Minute, "evt:Ev302")
	if !first || err != nil {
		t.Fatalf("ClaimDirectory = %v, %v", first, err)
	}
	if got := content(t, d); got != want {
		t.Errorf("changing a Directory result changed what ClaimDirectory returns:\n%s", got)
	}
	if got := content(t, mustDir(t, stores[0], tenantA)); got != want {
		t.Errorf("changing a Directory result changed the store:\n%s", got)
	}
	// An unknown tenant reads as an empty directory.
	d, first, err = stores[1].ClaimDirectory(ctx, tenantB, time.Minute, "evt:Ev303")
	if !first || err != nil || d == nil || d.Version != 0 || len(d.Teams) != 0 {
		t.Errorf("ClaimDirectory of an unknown tenant = %+v, %v, %v; want an empty directory", d, first, err)
	}
	_, _, err = stores[0].ClaimDirectory(ctx, tenantA, 0, "evt:zero")
	wantCode(t, "ClaimDirectory(ttl 0)", err, ownership.ErrInvalid)
	_, _, err = stores[0].ClaimDirectory(ctx, tenantA, time.Minute)
	wantCode(t, "ClaimDirectory(no keys)", err, ownership.ErrInvalid)
	_, _, err = stores[0].ClaimDirectory(ctx, "", time.Minute, "evt:Ev304")
	wantCode(t, "ClaimDirectory(no tenant)", err, ownership.ErrInvalid)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = stores[0].ClaimDirectory(cancelled, tenantA, time.Minute, "evt:Ev305")
	wantCode(t, "ClaimDirectory(cancelled)", err, ownership.ErrUnavailable)
}

// testClaimDirectoryFresh checks that a replica which has read (and may
// have cached) a directory sees another replica's change on its next
// ClaimDirectory: an answer never names the previous owner.
func testClaimDirectoryFresh(t *testing.T, open func(*testing.T) ownership.Store) {
	a, b := open(t), open(t)
	ctx := context.Background()
	seed(t, a, tenantA)
	for i := range 3 {
		d, first, err := b.ClaimDirectory(ctx, tenantA, time.Minute, fmt.Sprintf("evt:Fresh%d", i))
		if !first || err != nil {
			t.Fatalf("ClaimDirectory = %v, %v", first, err)
		}
		want := fmt.Sprintf("PO %d", i)
		if i > 0 && d.Teams["payments"].Roles[ownership.ProductOwner].Person.Name != fmt.Sprintf("PO %d", i-1) {
			t.Fatalf("round %d: ClaimDirectory returned %q, want the owner set before it", i, d.Teams["payments"].Roles[ownership.ProductOwner].Person.Name)
		}
		_, _, err = a.Update(ctx, tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
			d.Teams["payments"].Roles[ownership.ProductOwner] = ownership.Assignment{Person: ownership.Person{ID: "U9", Name: want}}
			return []ownership.Change{{Action: "set", Team: "payments"}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// poll calls cond until it reports true or the deadline passes; used where
// a store's clock must really pass (TTLs), never as a fixed sleep.
func poll(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not within %v", what, deadline)
		}
		<-tick.C
	}
}

func testClaimExpiry(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	if ok, err := s.Claim(ctx, "evt:short", 200*time.Millisecond); !ok || err != nil {
		t.Fatalf("first Claim = %v, %v", ok, err)
	}
	if ok, err := s.Claim(ctx, "evt:short", 200*time.Millisecond); ok || err != nil {
		t.Fatalf("second Claim within ttl = %v, %v; want false", ok, err)
	}
	poll(t, "Claim after its ttl", 10*time.Second, func() bool {
		ok, err := s.Claim(ctx, "evt:short", time.Minute)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		return ok
	})
}

func testOnboarded(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	for i, c := range []struct {
		tenant     ownership.TenantID
		user, team string
		want       bool
	}{
		{tenantA, "U1", "payments", true},
		{tenantA, "U1", "payments", false},
		{tenantA, "U1", "mobile", true},
		{tenantA, "29:bob", "payments", true},
		{tenantA, "29:bob", "payments", false},
		{tenantB, "U1", "payments", true},
	} {
		if got, err := s.MarkOnboarded(ctx, c.tenant, c.user, c.team); got != c.want || err != nil {
			t.Errorf("%d: MarkOnboarded(%s, %s, %s) = %v, %v; want %v", i, c.tenant, c.user, c.team, got, err, c.want)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	first := 0
	for range 10 {
		wg.Go(func() {
			if ok, _ := s.MarkOnboarded(ctx, tenantA, "U7", "core"); ok {
				mu.Lock()
				first++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != 1 {
		t.Errorf("%d concurrent first-time onboardings, want 1", first)
	}
}

func testRef(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	v := []byte(`{"conversation":{"id":"19:abc"}}`)
	if err := s.PutRef(ctx, tenantA, "conv:19:abc", v); err != nil {
		t.Fatalf("PutRef: %v", err)
	}
	v[0] = 'X' // the store keeps its own copy
	got, err := s.Ref(ctx, tenantA, "conv:19:abc")
	if err != nil || string(got) != `{"conversation":{"id":"19:abc"}}` {
		t.Fatalf("Ref = %q, %v", got, err)
	}
	got[0] = 'Y'
	if got, _ := s.Ref(ctx, tenantA, "conv:19:abc"); got[0] != '{' {
		t.Errorf("mutating Ref's result changed the store: %q", got)
	}
	if err := s.PutRef(ctx, tenantA, "conv:19:abc", []byte("v2")); err != nil {
		t.Fatalf("PutRef: %v", err)
	}
	for _, c := range []struct {
		tenant ownership.TenantID
		key    string
		want   []byte
	}{
		{tenantA, "conv:19:abc", []byte("v2")},
		{tenantA, "missing", nil},
		{tenantB, "conv:19:abc", nil},
	} {
		got, err := s.Ref(ctx, c.tenant, c.key)
		if err != nil || string(got) != string(c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("Ref(%s, %s) = %q, %v; want %q", c.tenant, c.key, got, err, c.want)
		}
	}
}

func testTenants(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	seed(t, s, tenantA)
	if err := s.AddUnanswered(ctx, tenantA, ownership.Unanswered{Text: "q"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFeedback(ctx, tenantA, "roadmap", true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRef(ctx, tenantA, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if d := mustDir(t, s, tenantB); d.Version != 0 || len(d.Teams) != 0 || d.Tenant != tenantB {
		t.Errorf("tenant B sees v%d with %d teams, tenant %q", d.Version, len(d.Teams), d.Tenant)
	}
	if h := mustHistory(t, s, tenantB, "", 10); len(h) != 0 {
		t.Errorf("tenant B history = %v", h)
	}
	if q, _ := s.Unanswered(ctx, tenantB, 10); len(q) != 0 {
		t.Errorf("tenant B unanswered = %v", q)
	}
	if f, _ := s.Feedback(ctx, tenantB); len(f) != 0 {
		t.Errorf("tenant B feedback = %v", f)
	}
	// Writing B leaves A alone.
	if _, _, err := s.Update(ctx, tenantB, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["x"] = &ownership.Team{ID: "x", Name: "X"}
		return []ownership.Change{{Action: "team.add"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if a, b := mustDir(t, s, tenantA), mustDir(t, s, tenantB); a.Version != 1 || a.Teams["x"] != nil || b.Version != 1 || b.Teams["payments"] != nil {
		t.Errorf("tenants mixed: A v%d has x=%v; B v%d has payments=%v", a.Version, a.Teams["x"] != nil, b.Version, b.Teams["payments"] != nil)
	}
}

func testPingClose(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// testRelease: released keys can be claimed again by any replica, through
// every claim method; keys not released stay claimed.
func testRelease(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	seed(t, stores[0], tenantA)
	if ok, err := stores[0].ClaimAll(ctx, time.Minute, "evt:Rel1", "msg:C1:rel1"); !ok || err != nil {
		t.Fatalf("ClaimAll = %v, %v", ok, err)
	}
	if ok, err := stores[1].Claim(ctx, "evt:Rel2", time.Minute); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if err := stores[1].Release(ctx, "evt:Rel1", "msg:C1:rel1"); err != nil {
		t.Fatalf("Release: %v", err)
	}
	d, first, err := stores[0].ClaimDirectory(ctx, tenantA, time.Minute, "evt:Rel1", "msg:C1:rel1")
	if err != nil || !first || d == nil || d.Version != 1 {
		t.Fatalf("ClaimDirectory after Release = %v, %v, %v; want the directory, first", d, first, err)
	}
	if ok, err := stores[1].ClaimAll(ctx, time.Minute, "evt:Rel1", "msg:C1:rel1"); ok || err != nil {
		t.Errorf("ClaimAll after the keys were claimed again = %v, %v; want false", ok, err)
	}
	if ok, err := stores[0].Claim(ctx, "evt:Rel2", time.Minute); ok || err != nil {
		t.Errorf("a key that was not released: Claim = %v, %v; want false", ok, err)
	}
	if err := stores[0].Release(ctx, "evt:Rel2"); err != nil {
		t.Fatalf("Release of one key: %v", err)
	}
	if ok, err := stores[1].Claim(ctx, "evt:Rel2", time.Minute); !ok || err != nil {
		t.Errorf("Claim after releasing one key = %v, %v; want true", ok, err)
	}
	// Releasing what is not claimed, or nothing, is no error.
	if err := stores[0].Release(ctx, "evt:never-claimed", "msg:never"); err != nil {
		t.Errorf("Release of free keys: %v", err)
	}
	if err := stores[0].Release(ctx); err != nil {
		t.Errorf("Release(): %v", err)
	}
}

// addTeam is an Update fn creating team id, counting its runs.
func addTeam(id string, runs *atomic.Int32) func(*ownership.Directory) ([]ownership.Change, error) {
	return func(d *ownership.Directory) ([]ownership.Change, error) {
		runs.Add(1)
		if d.Teams[id] != nil {
			return nil, ownership.Errorf(ownership.ErrInvalid, "A team called %s already exists.", id)
		}
		d.Teams[id] = &ownership.Team{ID: id, Name: id}
		return []ownership.Change{
			{Team: id, Action: "team.create", New: id, Summary: "created " + id},
			{Team: id, Action: "member.add", New: "U1", Summary: "added U1 to " + id},
		}, nil
	}
}

// testUpdateRequest: an Update repeated with its request id, on any
// replica, does not run fn again and returns the recorded changes with
// their ids; another id, another tenant or no id applies as usual.
func testUpdateRequest(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	var runs atomic.Int32
	d1, ch1, err := stores[0].Update(ctx, tenantA, addTeam("alpha", &runs), ownership.WithRequestID("Ev1"))
	if err != nil || len(ch1) != 2 || d1.Teams["alpha"] == nil {
		t.Fatalf("first Update = %v, %v, %v", d1, ch1, err)
	}
	for i, s := range stores {
		d, ch, err := s.Update(ctx, tenantA, addTeam("alpha", &runs), ownership.WithRequestID("Ev1"))
		if err != nil {
			t.Fatalf("store %d: repeated Update: %v", i, err)
		}
		if runs.Load() != 1 {
			t.Errorf("store %d: a repeated request ran fn (%d runs)", i, runs.Load())
		}
		if len(ch) != len(ch1) {
			t.Fatalf("store %d: repeated Update returned %d changes, want %d", i, len(ch), len(ch1))
		}
		for j := range ch {
			if ch[j].ID != ch1[j].ID || ch[j].Summary != ch1[j].Summary || ch[j].Action != ch1[j].Action || !ch[j].At.Equal(ch1[j].At) {
				t.Errorf("store %d: recorded change %d = %+v, want %+v", i, j, ch[j], ch1[j])
			}
		}
		if d == nil || d.Version != 1 || d.Teams["alpha"] == nil {
			t.Errorf("store %d: repeated Update returned directory %+v, want version 1 with alpha", i, d)
		}
	}
	if h := mustHistory(t, stores[1], tenantA, "", 10); len(h) != 2 {
		t.Errorf("history has %d entries after a repeated request, want 2", len(h))
	}
	// After another change the recorded result still answers the id, with
	// the directory as it is now.
	if _, _, err := stores[1].Update(ctx, tenantA, addTeam("beta", &runs), ownership.WithRequestID("Ev2")); err != nil {
		t.Fatalf("Update with another id: %v", err)
	}
	d, ch, err := stores[0].Update(ctx, tenantA, addTeam("alpha", &runs), ownership.WithRequestID("Ev1"))
	if err != nil || len(ch) != 2 || ch[0].ID != ch1[0].ID || d.Version != 2 || d.Teams["beta"] == nil {
		t.Errorf("Ev1 after Ev2 = version %v, %v, %v; want the recorded changes and version 2", d.Version, ch, err)
	}
	// Ids are per tenant; without an id nothing is looked up.
	if _, ch, err := stores[0].Update(ctx, tenantB, addTeam("alpha", &runs), ownership.WithRequestID("Ev1")); err != nil || len(ch) != 2 {
		t.Errorf("Ev1 in another tenant = %v, %v; want applied", ch, err)
	}
	if _, _, err := stores[0].Update(ctx, tenantA, addTeam("alpha", &runs)); ownership.ErrorCode(err) != ownership.ErrInvalid {
		t.Errorf("Update without an id ran fn on the current directory? err = %v, want fn's refusal", err)
	}
}

// testUpdateRequestConcurrent: one request sent by several replicas at once
// is applied once, and all of them get the same change ids.
func testUpdateRequestConcurrent(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	const n = 8
	var runs atomic.Int32
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, ch, err := stores[i%2].Update(ctx, tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
				runs.Add(1)
				d.Leads = append(d.Leads, ownership.Person{ID: "U9"})
				return []ownership.Change{{Action: "lead.add", New: "U9", Summary: "U9 became a lead"}}, nil
			}, ownership.WithRequestID("Ev-same"))
			if err != nil || len(ch) != 1 {
				t.Errorf("Update %d = %v, %v", i, ch, err)
				return
			}
			ids[i] = ch[0].ID
		})
	}
	wg.Wait()
	for i := range ids {
		if ids[i] != ids[0] {
			t.Errorf("concurrent repeats of one request got change ids %v, want one id", ids)
			break
		}
	}
	if d := mustDir(t, stores[0], tenantA); len(d.Leads) != 1 || d.Version != 1 {
		t.Errorf("after %d repeats of one request: leads %v, version %d; want one lead, version 1", n, d.Leads, d.Version)
	}
	if h := mustHistory(t, stores[0], tenantA, "", 10); len(h) != 1 {
		t.Errorf("history has %d entries, want 1", len(h))
	}
}

// testUpdateRequestNoRecord: a request whose fn failed or changed nothing
// is not recorded, so its retry runs fn again.
func testUpdateRequestNoRecord(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	refuse := errors.New("refused")
	if _, _, err := s.Update(ctx, tenantA, func(*ownership.Directory) ([]ownership.Change, error) { return nil, refuse }, ownership.WithRequestID("Ev3")); !errors.Is(err, refuse) {
		t.Fatalf("Update = %v, want fn's error", err)
	}
	if _, ch, err := s.Update(ctx, tenantA, func(*ownership.Directory) ([]ownership.Change, error) { return nil, nil }, ownership.WithRequestID("Ev3")); err != nil || ch != nil {
		t.Fatalf("Update without changes = %v, %v", ch, err)
	}
	var runs atomic.Int32
	if _, ch, err := s.Update(ctx, tenantA, addTeam("gamma", &runs), ownership.WithRequestID("Ev3")); err != nil || len(ch) != 2 || runs.Load() != 1 {
		t.Errorf("retry after a refusal = %v, %v (%d runs); want applied", ch, err, runs.Load())
	}
}
