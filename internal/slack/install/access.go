package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Installation is what oauth.v2.access returns for a bot install, as
// stored (tokens sealed by the store, never here).
type Installation struct {
	TeamID, TeamName             string
	EnterpriseID, EnterpriseName string
	// EnterpriseInstall marks an org-wide install: the token serves every
	// workspace of EnterpriseID.
	EnterpriseInstall bool
	AppID             string
	BotUserID, BotID  string
	BotToken          string
	// RefreshToken and ExpiresAt are set when token rotation is on.
	RefreshToken string
	ExpiresAt    time.Time
	Scopes       []string
	// InstallerUserID is the person who approved the install.
	InstallerUserID string
	InstalledAt     time.Time
}

// Key is the id the installation is kept under: the org for an org-wide
// install, else the workspace.
func (in *Installation) Key() string {
	if in.EnterpriseInstall {
		return "E:" + in.EnterpriseID
	}
	return "T:" + in.TeamID
}

// Client calls oauth.v2.access.
type Client struct {
	// APIURL is the Web API base (SLACK_API_URL), ending in "/".
	APIURL           string
	ClientID, Secret string
	HTTP             *http.Client
	Now              func() time.Time
}

// SlackError is an oauth.v2.access answer with ok:false.
type SlackError struct{ Code string }

func (e *SlackError) Error() string { return "slack: oauth.v2.access: " + e.Code }

// ErrNoBotToken means Slack answered without a bot token (the app asked
// for no bot scopes).
var ErrNoBotToken = errors.New("install: oauth.v2.access returned no bot token")

type accessReply struct {
	OK           bool   `json:"ok"`
	Error        string `json:"error"`
	AppID        string `json:"app_id"`
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	BotUserID    string `json:"bot_user_id"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Team         *struct {
		ID, Name string
	} `json:"team"`
	Enterprise *struct {
		ID, Name string
	} `json:"enterprise"`
	IsEnterpriseInstall bool `json:"is_enterprise_install"`
	AuthedUser          struct {
		ID string `json:"id"`
	} `json:"authed_user"`
}

// Exchange trades an authorization code for the installation, sending the
// client id and secret with HTTP Basic authentication, as Slack prefers.
func (c *Client) Exchange(ctx context.Context, code, redirectURI string) (*Installation, error) {
	form := url.Values{"code": {code}, "redirect_uri": {redirectURI}}
	return c.access(ctx, form)
}

// Refresh trades an installation's refresh token for a new bot token and
// a new refresh token (token rotation): Slack revokes the refresh token it
// was given, so each is used once.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Installation, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	return c.access(ctx, form)
}

func (c *Client) access(ctx context.Context, form url.Values) (*Installation, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.APIURL, "/")+"/oauth.v2.access", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ClientID, c.Secret)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("install: oauth.v2.access: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("install: oauth.v2.access: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("install: oauth.v2.access: HTTP %d", resp.StatusCode)
	}
	var r accessReply
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("install: oauth.v2.access: unreadable answer: %w", err)
	}
	if !r.OK {
		return nil, &SlackError{Code: r.Error}
	}
	if r.TokenType != "bot" || r.AccessToken == "" {
		return nil, ErrNoBotToken
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	in := &Installation{AppID: r.AppID, BotUserID: r.BotUserID, BotToken: r.AccessToken, RefreshToken: r.RefreshToken,
		EnterpriseInstall: r.IsEnterpriseInstall, InstallerUserID: r.AuthedUser.ID, InstalledAt: now.UTC()}
	if r.ExpiresIn > 0 {
		in.ExpiresAt = now.Add(time.Duration(r.ExpiresIn) * time.Second).UTC()
	}
	if r.Team != nil {
		in.TeamID, in.TeamName = r.Team.ID, r.Team.Name
	}
	if r.Enterprise != nil {
		in.EnterpriseID, in.EnterpriseName = r.Enterprise.ID, r.Enterprise.Name
	}
	for _, s := range strings.Split(r.Scope, ",") {
		if s = strings.TrimSpace(s); s != "" {
			in.Scopes = append(in.Scopes, s)
		}
	}
	if in.TeamID == "" && !(in.EnterpriseInstall && in.EnterpriseID != "") {
		return nil, errors.New("install: oauth.v2.access named no workspace")
	}
	return in, nil
}
