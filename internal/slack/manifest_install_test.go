package slack

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/whoowns/whoowns/internal/slack/install"
)

// The install flow asks Slack for exactly the manifest's bot scopes, and
// Slack redirects only to a URL the manifest lists.
func TestManifestMatchesInstallFlow(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "app-manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		OAuth struct {
			RedirectURLs []string `yaml:"redirect_urls"`
			Scopes       struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.OAuth.Scopes.Bot, install.BotScopes) {
		t.Errorf("install.BotScopes = %v, want the manifest's bot scopes %v (same order)", install.BotScopes, m.OAuth.Scopes.Bot)
	}
	want := install.RedirectURI("https://whoowns.example.com")
	if !slices.Equal(m.OAuth.RedirectURLs, []string{want}) {
		t.Errorf("oauth_config.redirect_urls = %v, want [%s]", m.OAuth.RedirectURLs, want)
	}
	for _, ev := range []string{"app_uninstalled", "tokens_revoked"} {
		if _, ok := eventHandlers[ev]; !ok {
			t.Errorf("%s is not handled: an uninstall would leave the tokens stored", ev)
		}
	}
}
