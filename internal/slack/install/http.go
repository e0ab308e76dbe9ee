package install

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Directories is the part of ownership.Store the flow changes: the
// installer becomes the workspace's first lead.
type Directories interface {
	Update(ctx context.Context, tenant ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error)
}

// Flow serves the install page and Slack's redirect back.
type Flow struct {
	ClientID  string
	PublicURL string
	States    *States
	Client    *Client
	Store     *Store
	Dirs      Directories
	Log       *slog.Logger
	Now       func() time.Time
}

// Register mounts GET /slack/install and GET /slack/oauth_redirect.
func (f *Flow) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+InstallPath, f.install)
	mux.HandleFunc("GET "+RedirectPath, f.redirect)
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · whoowns</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
a.button{display:inline-block;padding:.6rem 1.2rem;border-radius:.4rem;background:#4a154b;color:#fff;text-decoration:none;font-weight:600}</style>
</head><body>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}{{if .Link}}<p><a class="button" href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
</body></html>
`))

type page struct {
	Title          string
	Lines          []string
	Link, LinkText string
}

func (f *Flow) page(w http.ResponseWriter, status int, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The pages carry single-use states and name workspaces.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, p)
}

func (f *Flow) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

// install is the "Add to Slack" page; ?direct=1 goes to Slack at once.
func (f *Flow) install(w http.ResponseWriter, r *http.Request) {
	state, err := f.States.New()
	if err != nil {
		f.log().Error("slack install: cannot make a state", "err", err)
		f.page(w, http.StatusInternalServerError, page{Title: "Something went wrong", Lines: []string{"I could not start the install. Please try again."}})
		return
	}
	to := Authorize(f.ClientID, f.PublicURL, state)
	if r.URL.Query().Get("direct") == "1" {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	f.page(w, http.StatusOK, page{Title: "Add whoowns to Slack",
		Lines: []string{"whoowns answers “who owns this?” in your workspace. Slack will ask you to approve what it needs; the link works once, for 10 minutes."},
		Link:  to, LinkText: "Add to Slack"})
}

// redirect is where Slack sends the installer back.
func (f *Flow) redirect(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	again := f.againURL()
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			f.page(w, http.StatusOK, page{Title: "Nothing was installed", Lines: []string{"You cancelled the install, so whoowns was not added to your workspace."}, Link: again, LinkText: "Start again"})
			return
		}
		f.page(w, http.StatusBadRequest, page{Title: "Slack did not finish the install", Lines: []string{"Slack said: " + e + ". Nothing was installed."}, Link: again, LinkText: "Start again"})
		return
	}
	code, state := q.Get("code"), q.Get("state")
	if code == "" || state == "" {
		f.page(w, http.StatusBadRequest, page{Title: "This is not a complete install link", Lines: []string{"Slack sends you here with a code and a state; this request has not both. Nothing was installed."}, Link: again, LinkText: "Start again"})
		return
	}
	if err := f.States.Check(r.Context(), state); err != nil {
		var why string
		switch {
		case errors.Is(err, ErrStateExpired):
			why = "This install link has expired (links work for 10 minutes)."
		case errors.Is(err, ErrStateUsed):
			why = "This install link was already used; each works once."
		case errors.Is(err, ErrStateInvalid):
			why = "This install link was not made by this app."
		default:
			f.log().Error("slack install: cannot check the state", "err", err)
			f.page(w, http.StatusServiceUnavailable, page{Title: "Please try again", Lines: []string{"I could not check the install link just now. Nothing was installed."}, Link: again, LinkText: "Start again"})
			return
		}
		f.log().Warn("slack install: refused a state", "err", err)
		f.page(w, http.StatusBadRequest, page{Title: "This install link does not work", Lines: []string{why, "Nothing was installed."}, Link: again, LinkText: "Start again"})
		return
	}
	in, err := f.Client.Exchange(r.Context(), code, RedirectURI(f.PublicURL))
	if err != nil {
		var se *SlackError
		if errors.As(err, &se) {
			f.log().Warn("slack install: oauth.v2.access refused the code", "error", se.Code)
			f.page(w, http.StatusBadRequest, page{Title: "Slack refused the install", Lines: []string{"Slack said: " + se.Code + ". Nothing was installed."}, Link: again, LinkText: "Start again"})
			return
		}
		f.log().Error("slack install: oauth.v2.access failed", "err", err)
		f.page(w, http.StatusBadGateway, page{Title: "Please try again", Lines: []string{"I could not reach Slack to finish the install. Nothing was installed."}, Link: again, LinkText: "Start again"})
		return
	}
	if err := f.Store.Save(r.Context(), in); err != nil {
		f.log().Error("slack install: cannot store the installation", "team", in.TeamID, "enterprise", in.EnterpriseID, "err", err)
		f.page(w, http.StatusServiceUnavailable, page{Title: "Please try again", Lines: []string{"Slack approved the install but I could not save it. Please start again."}, Link: again, LinkText: "Start again"})
		return
	}
	name := in.TeamName
	if in.EnterpriseInstall {
		name = in.EnterpriseName
	}
	f.log().Info("slack: installed", "team", in.TeamID, "enterprise", in.EnterpriseID, "org_wide", in.EnterpriseInstall, "installer", in.InstallerUserID, "scopes", len(in.Scopes))
	lines := []string{"whoowns is now installed in " + name + "."}
	if lead, err := f.firstLead(r.Context(), in); err != nil {
		f.log().Error("slack install: cannot make the installer the first lead", "team", in.TeamID, "err", err)
		lines = append(lines, "I could not make you the first lead just now; a workspace admin is a lead and can add you with /whoowns lead add.")
	} else if lead {
		lines = append(lines, "You are its first lead: open whoowns in Slack to create teams, link channels or import a file.")
	} else {
		lines = append(lines, "Its leads are as before; open whoowns in Slack to ask who owns what.")
	}
	p := page{Title: "whoowns is installed", Lines: lines}
	if in.AppID != "" && in.TeamID != "" {
		p.Link = "https://slack.com/app_redirect?" + url.Values{"app": {in.AppID}, "team": {in.TeamID}}.Encode()
		p.LinkText = "Open whoowns in Slack"
	}
	f.page(w, http.StatusOK, p)
}

func (f *Flow) againURL() string { return f.PublicURL + InstallPath }

// firstLead makes the installer the lead of a workspace that has none,
// audited; it reports whether it did.
func (f *Flow) firstLead(ctx context.Context, in *Installation) (bool, error) {
	if in.InstallerUserID == "" || f.Dirs == nil {
		return false, nil
	}
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	who := ownership.Person{ID: in.InstallerUserID}
	_, changes, err := f.Dirs.Update(ctx, tenantOf(in.storeID()), func(d *ownership.Directory) ([]ownership.Change, error) {
		if len(d.Leads) > 0 {
			return nil, nil
		}
		d.Leads = append(d.Leads, who)
		return []ownership.Change{{At: now().UTC(), Actor: who, Action: "lead.add", New: who.ID,
			Summary: fmt.Sprintf("%s installed whoowns and became its first lead", who.Label())}}, nil
	}, ownership.WithRequestID("install:"+in.storeID()+":"+in.InstalledAt.Format(time.RFC3339Nano)))
	return err == nil && len(changes) > 0, err
}
