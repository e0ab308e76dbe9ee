package bot

import (
	"encoding/json"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// TestSummaryTextLinksChannels: the channels a history entry names become
// channel links (which each platform shows by its current name), whether
// the entry lists them or, written before entries did, names them by id.
func TestSummaryTextLinksChannels(t *testing.T) {
	t.Parallel()
	lena := ownership.Person{ID: "29:lead", Name: "Lena"}
	deleted, _ := json.Marshal(ownership.Team{ID: "pay", Name: "Pay", Channels: []ownership.Channel{{ID: "19:p@thread.tacv2", Name: "pay"}}})
	for _, tc := range []struct {
		name string
		ch   ownership.Change
		want rich.Text
	}{
		{"listed, named", ownership.Change{Actor: lena, Action: "channel.add", New: "C1", Summary: "Lena linked #checkout to Checkout",
			Channels: []ownership.Channel{{ID: "C1", Name: "checkout"}}},
			rich.Concat(rich.Mention(lena.ID, "Lena"), rich.Plain(" linked "), rich.Channel("C1", "checkout"), rich.Plain(" to Checkout"))},
		{"listed, by id", ownership.Change{Actor: lena, Action: "channel.add", New: "19:d@thread.tacv2", Summary: "Lena linked #19:d@thread.tacv2 to Checkout",
			Channels: []ownership.Channel{{ID: "19:d@thread.tacv2"}}},
			rich.Concat(rich.Mention(lena.ID, "Lena"), rich.Plain(" linked "), rich.Channel("19:d@thread.tacv2", ""), rich.Plain(" to Checkout"))},
		{"older entry, by id", ownership.Change{Actor: lena, Action: "channel.remove", Old: "19:d@thread.tacv2", Summary: "Lena unlinked #19:d@thread.tacv2 from Checkout"},
			rich.Concat(rich.Mention(lena.ID, "Lena"), rich.Plain(" unlinked "), rich.Channel("19:d@thread.tacv2", ""), rich.Plain(" from Checkout"))},
		{"deleted team", ownership.Change{Actor: lena, Action: "team.delete", Old: string(deleted), Summary: "Lena deleted the team Pay (3 members; channels #pay)"},
			rich.Concat(rich.Mention(lena.ID, "Lena"), rich.Plain(" deleted the team Pay (3 members; channels "), rich.Channel("19:p@thread.tacv2", "pay"), rich.Plain(")"))},
	} {
		got := summaryText(tc.ch)
		if gj, wj := spans(got), spans(tc.want); gj != wj {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, gj, wj)
		}
	}
}

func spans(t rich.Text) string {
	b, _ := json.Marshal([]rich.Span(t))
	return string(b)
}
