package slack

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"gopkg.in/yaml.v3"
)

// manifest is the part of app-manifest.yml the code depends on.
type manifest struct {
	Metadata struct {
		MajorVersion int `yaml:"major_version"`
	} `yaml:"_metadata"`
	Features struct {
		AppHome struct {
			HomeTab     bool `yaml:"home_tab_enabled"`
			MessagesTab bool `yaml:"messages_tab_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
			// OptionsURL is where Slack asks for an external_select's
			// options (block_suggestion).
			OptionsURL string `yaml:"message_menu_options_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "app-manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("app-manifest.yml: %v", err)
	}
	return m
}

func TestManifestMatchesCode(t *testing.T) {
	t.Parallel()
	m := readManifest(t)
	if m.Metadata.MajorVersion != 1 {
		t.Errorf("_metadata.major_version = %d, want 1", m.Metadata.MajorVersion)
	}
	if !m.Features.AppHome.HomeTab || !m.Features.AppHome.MessagesTab {
		t.Error("app_home needs home_tab_enabled (App Home) and messages_tab_enabled (DM questions)")
	}
	if m.Features.BotUser.DisplayName == "" {
		t.Error("features.bot_user.display_name is missing")
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != commandPrefix ||
		!m.Features.SlashCommands[0].ShouldEscape || m.Features.SlashCommands[0].URL != "https://whoowns.example.com/slack/commands" {
		t.Errorf("slash_commands = %+v, want /whoowns with should_escape and the /slack/commands URL", m.Features.SlashCommands)
	}
	if m.Settings.Events.RequestURL != "https://whoowns.example.com/slack/events" {
		t.Errorf("event request_url = %q", m.Settings.Events.RequestURL)
	}
	if !m.Settings.Interactivity.Enabled || m.Settings.Interactivity.RequestURL != "https://whoowns.example.com/slack/interactivity" ||
		m.Settings.Interactivity.OptionsURL != m.Settings.Interactivity.RequestURL {
		t.Errorf("interactivity = %+v", m.Settings.Interactivity)
	}
	if m.Settings.SocketMode {
		t.Error("socket_mode_enabled should be false by default (HTTP); the README explains turning it on")
	}

	// Every handled event is subscribed, and nothing else is.
	var wantEvents []string
	needed := map[string]string{} // scope → why
	for typ, spec := range eventHandlers {
		if len(spec.Subscriptions) == 0 {
			t.Errorf("event %s has no subscription", typ)
		}
		wantEvents = append(wantEvents, spec.Subscriptions...)
		for _, s := range spec.Scopes {
			needed[s] = "event " + typ
		}
	}
	sort.Strings(wantEvents)
	got := slices.Clone(m.Settings.Events.BotEvents)
	sort.Strings(got)
	if !slices.Equal(got, wantEvents) {
		t.Errorf("bot_events = %v, want exactly the handled events %v", got, wantEvents)
	}

	// Every method called and every feature is covered by a scope, and
	// every scope is used.
	for method, am := range webAPIMethods {
		if am.Scope != "" && !am.AppToken {
			needed[am.Scope] = "method " + method
		}
	}
	for _, s := range commandScopes {
		needed[s] = "the slash command"
	}
	for s, why := range needed {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s (needed by %s) is missing from oauth_config.scopes.bot", s, why)
		}
	}
	for _, s := range m.OAuth.Scopes.Bot {
		if _, ok := needed[s]; !ok {
			t.Errorf("scope %s is requested but nothing in the code uses it", s)
		}
	}
}
