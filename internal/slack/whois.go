package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	slackapi "github.com/slack-go/slack"
)

// Whois is what Slack knows of the person with an email address.
type Whois struct {
	Email string `json:"email"`
	// ID is the person's Slack user id (U… or W…); empty when Slack knows
	// no one with that address in the token's workspace.
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Note says why ID is empty or should not be used: "not found",
	// "deactivated", "a bot".
	Note string `json:"note,omitempty"`
}

// LookupEmails asks Slack (users.lookupByEmail, which needs the
// users:read.email scope) for each address's user id and name in the bot
// token's workspace, for the directory file. An address nobody has comes
// back with the note "not found"; a token Slack refuses, or without the
// scope, is an error for all of them. apiURL "" means Slack's; client nil a
// client with DefaultHTTPTimeout.
func LookupEmails(ctx context.Context, token, apiURL string, client *http.Client, emails []string) ([]Whois, error) {
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	opts := []slackapi.Option{slackapi.OptionHTTPClient(client)}
	if apiURL != "" {
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
		opts = append(opts, slackapi.OptionAPIURL(apiURL))
	}
	api := slackapi.New(token, opts...)
	out := make([]Whois, 0, len(emails))
	for _, e := range emails {
		w := Whois{Email: e}
		u, err := api.GetUserByEmailContext(ctx, e)
		var se slackapi.SlackErrorResponse
		switch {
		case errors.As(err, &se) && (se.Err == "users_not_found" || se.Err == "user_not_found" || se.Err == "invalid_email"):
			w.Note = "not found"
		case errors.As(err, &se) && se.Err == "missing_scope":
			return nil, fmt.Errorf("users.lookupByEmail needs the users:read.email scope, which this token lacks: add it under OAuth & Permissions (app-manifest.yml has it) and reinstall the app")
		case err != nil:
			return nil, fmt.Errorf("users.lookupByEmail: %w", err)
		default:
			w.ID, w.Name = u.ID, u.Profile.DisplayName
			if w.Name == "" {
				w.Name = u.RealName
			}
			switch {
			case u.Deleted:
				w.Note = "deactivated"
			case u.IsBot:
				w.Note = "a bot"
			}
		}
		out = append(out, w)
	}
	return out, nil
}
