package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/sample"
)

func TestGoldenAnswers(t *testing.T) {
	out := os.Getenv("GOLDEN_OUT")
	if out == "" {
		t.Skip()
	}
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, err := sample.Directory(dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }})
	if err != nil {
		t.Fatal(err)
	}
	quiet := bot.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	st := memstore.New(memstore.WithDirectory(d))
	s := bot.New(st, cat, quiet, bot.WithLimits(bot.Limits{}))
	suffixes := []string{"", " for checkout", " for paymnts", " on the pay team", " for the mobil app", " of the serch squad", " for <#C0PAYMENTS|payments>", " for the filling team", " for cart", " on mobile payments", " for the billing module"}
	users := []string{"U03JULES", "U07SAM", "UNOBODY"}
	var sb strings.Builder
	n := 0
	for _, in := range cat.Intents() {
		for pi, p := range in.Phrases {
			for si, suf := range suffixes {
				if (pi+si)%3 != 0 && si != 0 {
					continue
				}
				n++
				m := bot.Message{Tenant: sample.Tenant, Platform: bot.PlatformSlack, User: ownership.Person{ID: users[n%len(users)]}, Text: p + suf}
				if n%5 == 0 {
					m.Channel.ID = "C0SEARCH"
				}
				a, err := s.Ask(context.Background(), m)
				if err != nil {
					t.Fatal(err)
				}
				j, _ := json.Marshal(a)
				fmt.Fprintf(&sb, "%q %s\n", m.Text, j)
				for _, l := range a.Reasoning() {
					fmt.Fprintf(&sb, "  why %#v\n", l)
				}
			}
		}
	}
	_ = time.Now
	if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
