package dirfile

import (
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// The leads' digest setting goes out with an export and comes back with
// an import; a file without it keeps the tenant's.
func TestDigestSettingRoundTrips(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	lead := ownership.Person{ID: "U9", Name: "Morgan"}
	for name, set := range map[string]*ownership.DigestSetting{
		"default": nil,
		"off":     {Off: true, By: lead, At: at},
		"channel": {Channel: ownership.Channel{ID: "C0DIGEST", Name: "leads"}, By: lead, At: at},
	} {
		t.Run(name, func(t *testing.T) {
			d := ownership.NewDirectory("slack:T1")
			d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout"}
			d.Digest = set
			out, err := Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), "digest:") {
				t.Fatalf("export lacks the digest:\n%s", out)
			}
			back, err := Parse("export.yaml", out, "slack:T1", march5)
			if err != nil {
				t.Fatalf("re-import: %v\n%s", err, out)
			}
			// Imported into a tenant whose leads chose otherwise, the
			// file's setting wins.
			cur := ownership.NewDirectory("slack:T1")
			cur.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout"}
			cur.Digest = &ownership.DigestSetting{Channel: ownership.Channel{ID: "C0OTHER"}}
			changes := Replace(cur, back, ownership.Person{ID: "cli"}, at, "export.yaml")
			if !sameDigest(cur.Digest, set) {
				t.Errorf("after import the digest is %+v, want %+v", cur.Digest, set)
			}
			var audited bool
			for _, c := range changes {
				if c.Field == "digest" && c.Old == "channel C0OTHER" {
					audited = true
				}
			}
			if !audited {
				t.Errorf("the digest change is not audited: %+v", changes)
			}
			if again := Replace(cur, mustParse(t, out), ownership.Person{ID: "cli"}, at, "export.yaml"); len(again) != 0 {
				t.Errorf("importing the same export again changed %+v", again)
			}
		})
	}

	// A file without a digest keeps the tenant's.
	cur := ownership.NewDirectory("slack:T1")
	cur.Digest = &ownership.DigestSetting{Off: true}
	Replace(cur, mustParse(t, []byte("teams:\n  - name: Checkout\n")), ownership.Person{ID: "cli"}, at, "n.yaml")
	if cur.Digest == nil || !cur.Digest.Off {
		t.Errorf("an import without a digest changed it to %+v", cur.Digest)
	}
}

func TestDigestProblemsHaveLines(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		"teams: []\ndigest: {to: weekly}\n":                                 `d.yaml:2: digest: unknown "to: weekly"; use leads (each lead privately), channel or off`,
		"teams: []\ndigest: {to: channel}\n":                                `d.yaml:2: digest: "to: channel" needs the channel's id`,
		"teams: []\ndigest: {to: off, channel: {id: C1}}\n":                 `d.yaml:2: digest: a channel is only for "to: channel"; this one says to: off`,
		"teams: []\ndigest: {channel: {id: C1}}\n":                          `d.yaml:2: digest: "to:" is missing`,
		"teams: []\ndigest: {to: channel, channel: {id: C1}, at: monday}\n": `d.yaml:2: digest: can't read at: "monday" as a time`,
		"teams: []\ndigest: {to: off, when: monday}\n":                      `field when not found`,
	} {
		_, err := Parse("d.yaml", []byte(file), "slack:T1", march5)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want a problem with %q", file, err, want)
		}
	}
}

func sameDigest(a, b *ownership.DigestSetting) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Off == b.Off && a.Channel == b.Channel && a.By == b.By && a.At.Equal(b.At)
}

func mustParse(t *testing.T, data []byte) *ownership.Directory {
	t.Helper()
	d, err := Parse("f.yaml", data, "slack:T1", march5)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
