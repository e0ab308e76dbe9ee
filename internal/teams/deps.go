package teams

import (
	"context"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Core is what the Teams transport asks of the core; *bot.Service
// implements it. The transport never reads the directory itself.
type Core interface {
	Ask(ctx context.Context, m bot.Message) (bot.Answer, error)
	AnswerFor(ctx context.Context, m bot.Message, intentID, teamID string) (bot.Answer, error)
	Choose(ctx context.Context, m bot.Message, picker ownership.Person, intentID, teamID string) (bot.Answer, error)
	Command(ctx context.Context, m bot.Message) (bot.CommandResult, error)
	Home(ctx context.Context, m bot.Message) (bot.Home, error)
	LeadView(ctx context.Context, m bot.Message, team string) (bot.LeadView, error)
	DismissUnanswered(ctx context.Context, m bot.Message, id string) (bot.CommandResult, error)
	ClearUnanswered(ctx context.Context, m bot.Message) (bot.CommandResult, error)
	ApplyEdits(ctx context.Context, m bot.Message, edits ...bot.Edit) (bot.CommandResult, error)
	Suggest(ctx context.Context, m bot.Message, team, text string) (bot.Suggestion, error)
	Welcome(ctx context.Context, m bot.Message, teamID string) (bot.Onboarding, bool, error)
	InstalledBy(ctx context.Context, m bot.Message, name func(context.Context) string) (bool, error)
	WelcomeInstaller(ctx context.Context, m bot.Message, firstLead bool) (bot.Onboarding, bool, error)
	JoinTeam(ctx context.Context, m bot.Message, teamID string) (bot.Onboarding, error)
	Intent(ctx context.Context, tenant ownership.TenantID, id string) (intent.Intent, error)
	Feedback(ctx context.Context, m bot.Message, intentID string, helpful bool) error
	TeamForChannel(ctx context.Context, tenant ownership.TenantID, channelID string) (bot.TeamRef, bool, error)
	ConfirmReview(ctx context.Context, m bot.Message, teamID string, role ownership.Role) (rich.Text, error)
	DeclineReview(ctx context.Context, m bot.Message, teamID string, role ownership.Role) (bot.ReviewAsk, error)
	HandOverFromReview(ctx context.Context, m bot.Message, teamID string, role ownership.Role, successor ownership.Person) (bot.CommandResult, error)
	Decide(ctx context.Context, m bot.Message, requestID string, approve bool) (bot.CommandResult, error)
	Fill(ctx context.Context, m bot.Message, teamID string, role ownership.Role, p ownership.Person) (bot.CommandResult, error)
	FlagDeparted(ctx context.Context, tenant ownership.TenantID, channels []string, p ownership.Person, actor, reason string) (bot.CommandResult, error)
}

// Store is the part of the store the Teams transport uses: claims (one
// answer per activity, one vote per person) and conversation references.
type Store interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, keys ...string) error
	PutRef(ctx context.Context, tenant ownership.TenantID, key string, value []byte) error
	Ref(ctx context.Context, tenant ownership.TenantID, key string) ([]byte, error)
}

var (
	_ Core  = (*bot.Service)(nil)
	_ Store = ownership.Store(nil)
)
