package ownership

import (
	"sort"
	"time"
)

// Limits of the learning loop's records, the same in every store.
const (
	// MaxCandidates is how many questions a tenant keeps picks for; a pick
	// for a new question beyond it forgets the question picked least
	// recently.
	MaxCandidates = 1000
	// MaxVotes is how many people's picks one question keeps; a new
	// person's pick beyond it is not recorded (people already counted may
	// still change their pick).
	MaxVotes = 100
)

// Pick is one person's choice of an intent for a question the bot was not
// sure about: a button under "I read this as …, is that right?" or under
// an "I don't know".
type Pick struct {
	// Key is the question normalised (case, spacing, punctuation):
	// picks with the same key are about the same question.
	Key string
	// Question is the question as asked; the first one recorded for a key
	// is kept, shown to leads and learned as the phrase.
	Question string
	Intent   string
	Person   Person
	At       time.Time
}

// Vote is one person's current pick for a question.
type Vote struct {
	Person Person    `json:"person"`
	Intent string    `json:"intent"`
	At     time.Time `json:"at"`
}

// Candidate is a question people picked intents for: one vote per person,
// their latest pick. Votes are ordered by time, then person id.
type Candidate struct {
	Key      string    `json:"key"`
	Question string    `json:"question"`
	Votes    []Vote    `json:"votes"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Tally counts the people who picked each intent.
func (c Candidate) Tally() map[string]int {
	out := map[string]int{}
	for _, v := range c.Votes {
		out[v.Intent]++
	}
	return out
}

// Leader returns the intent at least n people picked and more people than
// any other intent, with its count and the time it got its n-th vote; ""
// when no intent qualifies yet (too few people, or a tie).
func (c Candidate) Leader(n int) (intent string, people int, at time.Time) {
	if n < 1 {
		n = 1
	}
	tally := c.Tally()
	best, top, ties := "", 0, 0
	for id, k := range tally {
		switch {
		case k > top:
			best, top, ties = id, k, 1
		case k == top:
			ties++
		}
	}
	if top < n || ties > 1 {
		return "", 0, time.Time{}
	}
	seen := 0
	for _, v := range c.Votes {
		if v.Intent == best {
			if seen++; seen == n {
				at = v.At
			}
		}
	}
	return best, top, at
}

// SortVotes puts votes in the documented order: by time, then person id.
func SortVotes(vs []Vote) {
	sort.Slice(vs, func(i, j int) bool {
		if !vs[i].At.Equal(vs[j].At) {
			return vs[i].At.Before(vs[j].At)
		}
		return vs[i].Person.ID < vs[j].Person.ID
	})
}

// CheckPick validates a pick as every store does before recording it, and
// returns it with its time at the stores' precision (milliseconds, UTC).
func CheckPick(p Pick) (Pick, error) {
	if p.Key == "" || p.Intent == "" || p.Person.ID == "" {
		return Pick{}, Errorf(ErrInvalid, "A pick needs a question, an intent and a person.")
	}
	p.At = time.UnixMilli(p.At.UnixMilli()).UTC()
	return p, nil
}

// SortCandidates puts candidates in the documented order: first picked
// first, then by key.
func SortCandidates(cs []Candidate) {
	sort.Slice(cs, func(i, j int) bool {
		if !cs[i].First.Equal(cs[j].First) {
			return cs[i].First.Before(cs[j].First)
		}
		return cs[i].Key < cs[j].Key
	})
}
