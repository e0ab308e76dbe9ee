package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// pick is a pick of intent for the question key by person id.
func pick(key, intent, person string, at time.Time) ownership.Pick {
	return ownership.Pick{Key: key, Question: "Q: " + key, Intent: intent, Person: ownership.Person{ID: person, Name: "name " + person}, At: at}
}

func mustPick(t *testing.T, s ownership.Store, tenant ownership.TenantID, p ownership.Pick) ownership.Candidate {
	t.Helper()
	c, err := s.RecordPick(context.Background(), tenant, p)
	if err != nil {
		t.Fatalf("RecordPick(%+v): %v", p, err)
	}
	return c
}

// votes renders a candidate's votes as "person=intent@minute ...".
func votes(c ownership.Candidate) string {
	out := ""
	for _, v := range c.Votes {
		out += fmt.Sprintf("%s=%s@%d ", v.Person.ID, v.Intent, int(v.At.Sub(t0)/time.Minute))
	}
	return out
}

func testRecordPick(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	key := "who signs off the copy"
	c := mustPick(t, s, tenantA, ownership.Pick{Key: key, Question: "Who signs off the copy?", Intent: "acceptance_criteria",
		Person: ownership.Person{ID: "U1", Name: "Al"}, At: t0.Add(123456789 * time.Nanosecond)})
	if c.Key != key || c.Question != "Who signs off the copy?" || len(c.Votes) != 1 {
		t.Fatalf("first pick: %+v", c)
	}
	// Times are kept to the millisecond, in UTC.
	if want := t0.Add(123 * time.Millisecond); !c.First.Equal(want) || !c.Last.Equal(want) || !c.Votes[0].At.Equal(want) || c.Votes[0].At.Location() != time.UTC {
		t.Errorf("times = %v %v %v, want %v UTC", c.First, c.Last, c.Votes[0].At, want)
	}
	if c.Votes[0].Person != (ownership.Person{ID: "U1", Name: "Al"}) {
		t.Errorf("vote person = %+v", c.Votes[0].Person)
	}
	mustPick(t, s, tenantA, pick(key, "acceptance_criteria", "29:bob", t0.Add(time.Minute)))
	// The same person picking the same intent again counts once and keeps
	// the time of their vote; a later question wording does not replace
	// the first.
	again := pick(key, "acceptance_criteria", "U1", t0.Add(2*time.Minute))
	again.Question = "who SIGNS off the copy"
	c = mustPick(t, s, tenantA, again)
	if got, want := votes(c), "U1=acceptance_criteria@0 29:bob=acceptance_criteria@1 "; got != want {
		t.Errorf("after a repeated pick: %q, want %q", got, want)
	}
	if c.Question != "Who signs off the copy?" || !c.Last.Equal(t0.Add(2*time.Minute)) || !c.First.Equal(t0.Add(123*time.Millisecond)) {
		t.Errorf("after a repeated pick: question %q first %v last %v", c.Question, c.First, c.Last)
	}
	if c.Tally()["acceptance_criteria"] != 2 {
		t.Errorf("tally = %v", c.Tally())
	}
	// A conflicting pick by someone else is its own vote; a person who
	// changes their mind moves their one vote.
	mustPick(t, s, tenantA, pick(key, "testing", "U3", t0.Add(3*time.Minute)))
	c = mustPick(t, s, tenantA, pick(key, "testing", "29:bob", t0.Add(4*time.Minute)))
	if got, want := votes(c), "U1=acceptance_criteria@0 U3=testing@3 29:bob=testing@4 "; got != want {
		t.Errorf("after a moved vote: %q, want %q", got, want)
	}
	if tl := c.Tally(); tl["acceptance_criteria"] != 1 || tl["testing"] != 2 {
		t.Errorf("tally = %v", tl)
	}
	// Another replica reads the same.
	cs, err := open(t).Candidates(context.Background(), tenantA)
	if err != nil || len(cs) != 1 || votes(cs[0]) != votes(c) || cs[0].Question != c.Question || !cs[0].First.Equal(c.First) || !cs[0].Last.Equal(c.Last) {
		t.Errorf("Candidates on another replica = %+v, %v; want %+v", cs, err, c)
	}
}

func testRecordPickInvalid(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	for name, p := range map[string]ownership.Pick{
		"no key":    pick("", "roadmap", "U1", t0),
		"no intent": pick("k", "", "U1", t0),
		"no person": pick("k", "roadmap", "", t0),
	} {
		_, err := s.RecordPick(ctx, tenantA, p)
		wantCode(t, "RecordPick("+name+")", err, ownership.ErrInvalid)
	}
	if cs, err := s.Candidates(ctx, tenantA); err != nil || len(cs) != 0 {
		t.Errorf("Candidates after invalid picks = %+v, %v; want none", cs, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.RecordPick(cctx, tenantA, pick("k", "roadmap", "U1", t0))
	wantCode(t, "RecordPick(cancelled)", err, ownership.ErrUnavailable)
}

// testRecordPickConcurrent: picks racing on two replicas are all counted,
// and one person's racing picks count once.
func testRecordPickConcurrent(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	const people = 24
	var wg sync.WaitGroup
	errs := make(chan error, 3*people)
	for i := range people {
		for j := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// every person picks three times, on both replicas
				_, err := stores[(i+j)%2].RecordPick(context.Background(), tenantA, pick("q", "roadmap", fmt.Sprintf("U%02d", i), t0.Add(time.Duration(i)*time.Second)))
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("RecordPick: %v", err)
		}
	}
	cs, err := stores[0].Candidates(context.Background(), tenantA)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Candidates = %+v, %v", cs, err)
	}
	if n := cs[0].Tally()["roadmap"]; n != people || len(cs[0].Votes) != people {
		t.Errorf("%d people picked three times each: tally %d, %d votes; want %d", people, n, len(cs[0].Votes), people)
	}
}

func testCandidates(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	if cs, err := s.Candidates(ctx, tenantA); err != nil || len(cs) != 0 {
		t.Fatalf("Candidates of a new tenant = %+v, %v", cs, err)
	}
	mustPick(t, s, tenantA, pick("b", "roadmap", "U1", t0.Add(time.Minute)))
	mustPick(t, s, tenantA, pick("a", "roadmap", "U1", t0.Add(2*time.Minute)))
	mustPick(t, s, tenantA, pick("c", "roadmap", "U1", t0))
	mustPick(t, s, tenantA, pick("b", "backlog", "U2", t0.Add(3*time.Minute)))
	mustPick(t, s, tenantB, pick("z", "roadmap", "U1", t0))
	keys := func(tenant ownership.TenantID) string {
		cs, err := open(t).Candidates(ctx, tenant)
		if err != nil {
			t.Fatalf("Candidates: %v", err)
		}
		out := ""
		for _, c := range cs {
			out += fmt.Sprintf("%s:%d ", c.Key, len(c.Votes))
		}
		return out
	}
	if got, want := keys(tenantA), "c:1 b:2 a:1 "; got != want {
		t.Errorf("Candidates = %q, want %q (first picked first)", got, want)
	}
	if err := s.DropCandidate(ctx, tenantA, "b"); err != nil {
		t.Fatalf("DropCandidate: %v", err)
	}
	if err := s.DropCandidate(ctx, tenantA, "never"); err != nil {
		t.Fatalf("DropCandidate(unknown): %v", err)
	}
	if got, want := keys(tenantA), "c:1 a:1 "; got != want {
		t.Errorf("after DropCandidate: %q, want %q", got, want)
	}
	if got, want := keys(tenantB), "z:1 "; got != want {
		t.Errorf("other tenant: %q, want %q", got, want)
	}
	// A dropped question starts again from nothing.
	if c := mustPick(t, s, tenantA, pick("b", "backlog", "U9", t0.Add(time.Hour))); len(c.Votes) != 1 || !c.First.Equal(t0.Add(time.Hour)) {
		t.Errorf("pick after drop: %+v", c)
	}
}

func testCandidatesCap(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	// One question with the most people: a new person is not recorded,
	// one already counted may still move their vote.
	for i := range ownership.MaxVotes {
		mustPick(t, s, tenantA, pick("full", "roadmap", fmt.Sprintf("U%03d", i), t0))
	}
	c := mustPick(t, s, tenantA, pick("full", "roadmap", "late", t0.Add(time.Minute)))
	if len(c.Votes) != ownership.MaxVotes {
		t.Errorf("votes after one person too many = %d, want %d", len(c.Votes), ownership.MaxVotes)
	}
	c = mustPick(t, s, tenantA, pick("full", "backlog", "U000", t0.Add(time.Minute)))
	if tl := c.Tally(); tl["backlog"] != 1 || tl["roadmap"] != ownership.MaxVotes-1 {
		t.Errorf("tally after a moved vote on a full question = %v", tl)
	}
	// Questions beyond the cap forget the one picked least recently.
	for i := 1; i < ownership.MaxCandidates+3; i++ {
		mustPick(t, s, tenantA, pick(fmt.Sprintf("q%04d", i), "roadmap", "U1", t0.Add(time.Duration(i)*time.Second)))
	}
	cs, err := s.Candidates(ctx, tenantA)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != ownership.MaxCandidates {
		t.Fatalf("%d candidates kept, want %d", len(cs), ownership.MaxCandidates)
	}
	have := map[string]bool{}
	for _, c := range cs {
		have[c.Key] = true
	}
	// "full" was created first but last picked at t0+1m, after q0001 to
	// q0059: the three oldest of those went first.
	if have["q0001"] || have["q0003"] || !have["q0004"] || !have["full"] || !have[fmt.Sprintf("q%04d", ownership.MaxCandidates+2)] {
		t.Errorf("kept the wrong candidates: q0001 %v q0003 %v q0004 %v full %v", have["q0001"], have["q0003"], have["q0004"], have["full"])
	}
}
