package teams

import (
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
)

// TestManifest keeps teams/manifest.json and its icons within Teams' rules
// and in step with the commands the bot understands.
func TestManifest(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "teams")
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ManifestVersion string `json:"manifestVersion"`
		ID              string `json:"id"`
		Description     struct {
			Short string `json:"short"`
			Full  string `json:"full"`
		} `json:"description"`
		Icons struct {
			Color   string `json:"color"`
			Outline string `json:"outline"`
		} `json:"icons"`
		Bots []struct {
			BotID        string   `json:"botId"`
			Scopes       []string `json:"scopes"`
			CommandLists []struct {
				Commands []struct {
					Title       string `json:"title"`
					Description string `json:"description"`
				} `json:"commands"`
			} `json:"commandLists"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if m.ManifestVersion < "1.16" || !guid.MatchString(m.ID) || len(m.Bots) != 1 || !guid.MatchString(m.Bots[0].BotID) {
		t.Errorf("manifest version %q, id %q, bots %d", m.ManifestVersion, m.ID, len(m.Bots))
	}
	if len(m.Description.Short) > 80 || len(m.Description.Full) > 4000 {
		t.Error("description too long")
	}
	if got := len(m.Bots[0].Scopes); got != 3 {
		t.Errorf("bot scopes %v, want personal, team and groupChat", m.Bots[0].Scopes)
	}
	for _, l := range m.Bots[0].CommandLists {
		if len(l.Commands) > 10 {
			t.Errorf("%d commands in a list; Teams allows 10", len(l.Commands))
		}
		for _, c := range l.Commands {
			known := c.Title == "home" || bot.IsCommandVerb(c.Title)
			if !known || len(c.Title) > 32 || len(c.Description) > 128 {
				t.Errorf("command %q (%d-char description) is unknown or too long", c.Title, len(c.Description))
			}
		}
	}
	for name, want := range map[string]struct {
		size        int
		transparent bool
	}{m.Icons.Color: {192, false}, m.Icons.Outline: {32, true}} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != want.size || b.Dy() != want.size {
			t.Errorf("%s is %v, want %d×%d", name, b.Size(), want.size, want.size)
		}
		if want.transparent {
			checkOutline(t, name, img)
		}
	}
}

// checkOutline: Teams wants the outline icon white on transparent.
func checkOutline(t *testing.T, name string, img image.Image) {
	t.Helper()
	seeThrough := false
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			if a == 0 {
				seeThrough = true
				continue
			}
			if r != a || g != a || b != a { // premultiplied: white means r=g=b=a
				t.Fatalf("%s has a non-white pixel at %d,%d", name, x, y)
			}
		}
	}
	if !seeThrough {
		t.Errorf("%s has no transparent background", name)
	}
}
