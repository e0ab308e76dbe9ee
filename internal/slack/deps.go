package slack

import (
	"context"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Core is what the Slack transport asks of the core; *bot.Service
// implements it. The transport never reads the directory itself.
type Core interface {
	AskOnce(ctx context.Context, m bot.Message, ttl time.Duration, keys ...string) (bot.Answer, bool, error)
	AnswerFor(ctx context.Context, m bot.Message, intentID, teamID string) (bot.Answer, error)
	Choose(ctx context.Context, m bot.Message, picker ownership.Person, intentID, teamID string) (bot.Answer, error)
	Command(ctx context.Context, m bot.Message) (bot.CommandResult, error)
	Home(ctx context.Context, m bot.Message) (bot.Home, error)
	FindTeams(ctx context.Context, m bot.Message, query string, limit int) ([]bot.TeamRef, error)
	LeadView(ctx context.Context, m bot.Message, team string) (bot.LeadView, error)
	DismissUnanswered(ctx context.Context, m bot.Message, id string) (bot.CommandResult, error)
	ClearUnanswered(ctx context.Context, m bot.Message) (bot.CommandResult, error)
	ApplyEdits(ctx context.Context, m bot.Message, edits ...bot.Edit) (bot.CommandResult, error)
	Suggest(ctx context.Context, m bot.Message, team, text string) (bot.Suggestion, error)
	Claim(ctx context.Context, m bot.Message, role ownership.Role, team string) (bot.CommandResult, error)
	Welcome(ctx context.Context, m bot.Message, teamID string) (bot.Onboarding, bool, error)
	JoinTeam(ctx context.Context, m bot.Message, teamID string) (bot.Onboarding, error)
	Intent(ctx context.Context, tenant ownership.TenantID, id string) (intent.Intent, error)
	Feedback(ctx context.Context, m bot.Message, intentID string, helpful bool) error
	TeamForChannel(ctx context.Context, tenant ownership.TenantID, channelID string) (bot.TeamRef, bool, error)
	ConfirmReview(ctx context.Context, m bot.Message, teamID string, role ownership.Role) (rich.Text, error)
	DeclineReview(ctx context.Context, m bot.Message, teamID string, role ownership.Role) (bot.ReviewAsk, error)
	HandOverFromReview(ctx context.Context, m bot.Message, teamID string, role ownership.Role, successor ownership.Person) (bot.CommandResult, error)
	Decide(ctx context.Context, m bot.Message, requestID string, approve bool) (bot.CommandResult, error)
	Fill(ctx context.Context, m bot.Message, teamID string, role ownership.Role, p ownership.Person) (bot.CommandResult, error)
	Depart(ctx context.Context, tenant ownership.TenantID, platform string, p ownership.Person, actor string) (bot.CommandResult, error)
}

// Claims is the part of the store the Slack transport uses: one answer per
// delivery and one vote per person, across replicas (see ownership.Store).
type Claims interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	ClaimAll(ctx context.Context, ttl time.Duration, keys ...string) (bool, error)
	Release(ctx context.Context, keys ...string) error
}

var (
	_ Core   = (*bot.Service)(nil)
	_ Claims = ownership.Store(nil)
)
