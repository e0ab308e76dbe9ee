package bot_test

import (
	"context"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// FuzzCommand feeds arbitrary text to the command handler as a lead: it must
// never panic, and every refusal must carry a user-safe message.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		"set po <@U1|a> checkout", `teach "x" roadmap`, "cover pm <@U2> until 2030-01-01 12:00 payments",
		"channel <#C1|x> mobile", `team rename "mobile" "Mobile Apps"`, "route roadmap both search", "<", `"`, "set <@", "cover po <@U1> until in 3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, _ := newService(t)
		_, err := s.Command(context.Background(), msg(lead, "C0CHECKOUT", text))
		if err != nil && ownership.ErrorMessage(err) == "" {
			t.Fatalf("error without a message: %v", err)
		}
		if code := ownership.ErrorCode(err); code == ownership.ErrInternal {
			t.Fatalf("internal error for %q: %v", text, err)
		}
		_ = bot.LooksLikeCommand(text)
	})
}
