package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// trigger is a trigger_id the fake handed out with an interaction: Slack
// lets it open one view, for the workspace and user who interacted.
type trigger struct {
	team, user string
	used       bool
	// view is the id of the view it opened.
	view string
}

// View is a view the bot opened (a modal) or published (a home tab).
type View struct {
	ID     string
	TeamID string
	// User is whose home it is, or who the modal was opened for.
	User string
	// Hash changes with every update, as Slack's does.
	Hash string
	// JSON is the view as last sent.
	JSON json.RawMessage
}

// Trigger returns a new trigger_id for an interaction by user in team,
// valid for one views.open.
func (s *Server) Trigger(team, user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("%d.%s.trigger%06d", 1700000000+s.seq, team, s.seq)
	s.triggers[id] = trigger{team: team, user: user}
	return id
}

// View returns the view with id, or nil.
func (s *Server) View(id string) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.viewByID[id]; v != nil {
		c := *v
		return &c
	}
	return nil
}

// OpenedWith returns the modal that trigger_id opened, or nil.
func (s *Server) OpenedWith(triggerID string) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.viewByID[s.triggers[triggerID].view]; v != nil {
		c := *v
		return &c
	}
	return nil
}

// viewJSON is what the fake checks in a view.
type viewJSON struct {
	Type            string            `json:"type"`
	Title           *textJSON         `json:"title"`
	Submit          *textJSON         `json:"submit"`
	Close           *textJSON         `json:"close"`
	CallbackID      string            `json:"callback_id"`
	PrivateMetadata string            `json:"private_metadata"`
	ExternalID      string            `json:"external_id"`
	Blocks          []json.RawMessage `json:"blocks"`
}

type textJSON struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type blockJSON struct {
	Type    string          `json:"type"`
	BlockID string          `json:"block_id"`
	Label   *textJSON       `json:"label"`
	Element json.RawMessage `json:"element"`
}

// checkView applies Slack's documented limits to a view of kind ("home"
// or "modal"); it returns Slack's error code, or "".
func checkView(raw string, kind string) (viewJSON, string) {
	var v viewJSON
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return v, "invalid_arguments"
	}
	if v.Type != kind {
		return v, "invalid_arguments"
	}
	if len(v.Blocks) > 100 || len(v.PrivateMetadata) > 3000 || len(v.CallbackID) > 255 {
		return v, "invalid_arguments"
	}
	if kind == "modal" {
		if v.Title == nil || v.Title.Type != "plain_text" || v.Title.Text == "" || utf8.RuneCountInString(v.Title.Text) > 24 {
			return v, "invalid_arguments"
		}
		for _, t := range []*textJSON{v.Submit, v.Close} {
			if t != nil && (t.Type != "plain_text" || utf8.RuneCountInString(t.Text) > 24) {
				return v, "invalid_arguments"
			}
		}
	}
	ids := map[string]bool{}
	inputs := 0
	for _, rb := range v.Blocks {
		var b blockJSON
		if json.Unmarshal(rb, &b) != nil || b.Type == "" {
			return v, "invalid_blocks"
		}
		if b.BlockID != "" {
			if ids[b.BlockID] || len(b.BlockID) > 255 {
				return v, "invalid_blocks"
			}
			ids[b.BlockID] = true
		}
		if b.Type == "input" {
			inputs++
			var el struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
			}
			if kind != "modal" || b.Label == nil || b.Label.Type != "plain_text" || utf8.RuneCountInString(b.Label.Text) > 2000 ||
				json.Unmarshal(b.Element, &el) != nil || el.Type == "" {
				return v, "invalid_blocks"
			}
		}
	}
	if inputs > 0 && v.Submit == nil {
		// Slack refuses a modal with inputs and no submit button.
		return v, "invalid_arguments"
	}
	return v, ""
}

// views serves views.publish, views.open and views.update like Slack: the
// token's workspace owns the view, a trigger_id opens one modal for its
// own workspace, and an update names a view of that workspace (and its
// current hash, if given).
func (s *Server) views(w http.ResponseWriter, ws Workspace, method string, p map[string]string) {
	fail := func(code string) { writeJSON(w, map[string]any{"ok": false, "error": code}) }
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "views.publish":
		if p["user_id"] == "" {
			fail("invalid_arguments")
			return
		}
		if _, code := checkView(p["view"], "home"); code != "" {
			fail(code)
			return
		}
		id := "VH" + ws.TeamID + p["user_id"]
		s.seq++
		s.viewByID[id] = &View{ID: id, TeamID: ws.TeamID, User: p["user_id"], Hash: fmt.Sprint(s.seq), JSON: json.RawMessage(p["view"])}
		writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": id, "type": "home", "hash": fmt.Sprint(s.seq)}})
	case "views.open", "views.push":
		tr, ok := s.triggers[p["trigger_id"]]
		switch {
		case p["trigger_id"] == "":
			fail("invalid_arguments")
			return
		case !ok || tr.team != ws.TeamID:
			fail("invalid_trigger_id")
			return
		case tr.used:
			fail("expired_trigger_id")
			return
		}
		if _, code := checkView(p["view"], "modal"); code != "" {
			fail(code)
			return
		}
		s.seq++
		id := fmt.Sprintf("VM%06d", s.seq)
		tr.used, tr.view = true, id
		s.triggers[p["trigger_id"]] = tr
		s.viewByID[id] = &View{ID: id, TeamID: ws.TeamID, User: tr.user, Hash: fmt.Sprint(s.seq), JSON: json.RawMessage(p["view"])}
		writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": id, "type": "modal", "hash": fmt.Sprint(s.seq)}})
	case "views.update":
		v := s.viewByID[p["view_id"]]
		if v == nil || v.TeamID != ws.TeamID {
			fail("not_found")
			return
		}
		if p["hash"] != "" && p["hash"] != v.Hash {
			fail("hash_conflict")
			return
		}
		if _, code := checkView(p["view"], "modal"); code != "" {
			fail(code)
			return
		}
		s.seq++
		v.Hash, v.JSON = fmt.Sprint(s.seq), json.RawMessage(p["view"])
		writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": v.ID, "type": "modal", "hash": v.Hash}})
	}
}
