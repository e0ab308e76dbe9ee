package ownership

import (
	"testing"
	"time"
)

func TestCandidateLeader(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	vote := func(person, intent string, min int) Vote {
		return Vote{Person: Person{ID: person}, Intent: intent, At: t0.Add(time.Duration(min) * time.Minute)}
	}
	for _, c := range []struct {
		name   string
		votes  []Vote
		n      int
		want   string
		people int
		at     int
	}{
		{"too few", []Vote{vote("a", "x", 0), vote("b", "x", 1)}, 3, "", 0, 0},
		{"enough", []Vote{vote("a", "x", 0), vote("b", "x", 1), vote("c", "x", 2)}, 3, "x", 3, 2},
		{"enough among conflicting picks", []Vote{vote("a", "x", 0), vote("d", "y", 1), vote("b", "x", 2), vote("c", "x", 3), vote("e", "x", 4)}, 3, "x", 4, 3},
		{"tie at the threshold", []Vote{vote("a", "x", 0), vote("b", "x", 1), vote("c", "y", 2), vote("d", "y", 3)}, 2, "", 0, 0},
		{"threshold of one", []Vote{vote("a", "x", 0)}, 1, "x", 1, 0},
		{"none", nil, 3, "", 0, 0},
	} {
		cand := Candidate{Votes: c.votes}
		got, people, at := cand.Leader(c.n)
		if got != c.want || people != c.people || (got != "" && !at.Equal(t0.Add(time.Duration(c.at)*time.Minute))) {
			t.Errorf("%s: Leader(%d) = %q, %d, %v; want %q, %d, +%dm", c.name, c.n, got, people, at, c.want, c.people, c.at)
		}
	}
}
