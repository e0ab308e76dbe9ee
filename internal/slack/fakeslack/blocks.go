package fakeslack

import (
	"encoding/json"
	"strings"
)

// Element is an interactive element found in a message's blocks.
type Element struct {
	Type     string
	ActionID string
	BlockID  string
	Value    string
	Text     string
	// Options are a select's option values.
	Options []string
}

// blocksJSON returns the blocks of the call: the "blocks" parameter, or
// the "view" parameter's blocks for views.publish.
func (c Call) blocksJSON() []any {
	raw := c.Params["blocks"]
	if v := c.Params["view"]; v != "" {
		var view struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		if json.Unmarshal([]byte(v), &view) == nil {
			raw = string(view.Blocks)
		}
	}
	var blocks []any
	_ = json.Unmarshal([]byte(raw), &blocks)
	return blocks
}

// AllText is the call's text parameter and every text of its blocks, joined
// by newlines: what a person would read.
func (c Call) AllText() string {
	var parts []string
	if t := c.Params["text"]; t != "" {
		parts = append(parts, t)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["text"].(string); ok {
				parts = append(parts, t)
			}
			for k, vv := range x {
				if k != "text" || !isString(vv) {
					walk(vv)
				}
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	walk(c.blocksJSON())
	return strings.Join(parts, "\n")
}

func isString(v any) bool { _, ok := v.(string); return ok }

// Elements lists the buttons and selects of the call's blocks.
func (c Call) Elements() []Element {
	var out []Element
	var walk func(v any, blockID string)
	walk = func(v any, blockID string) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["block_id"].(string); ok {
				blockID = id
			}
			typ, _ := x["type"].(string)
			if typ == "button" || typ == "static_select" || typ == "users_select" {
				e := Element{Type: typ, BlockID: blockID}
				e.ActionID, _ = x["action_id"].(string)
				e.Value, _ = x["value"].(string)
				if t, ok := x["text"].(map[string]any); ok {
					e.Text, _ = t["text"].(string)
				}
				if opts, ok := x["options"].([]any); ok {
					for _, o := range opts {
						if om, ok := o.(map[string]any); ok {
							v, _ := om["value"].(string)
							e.Options = append(e.Options, v)
						}
					}
				}
				out = append(out, e)
				return
			}
			for _, vv := range x {
				walk(vv, blockID)
			}
		case []any:
			for _, vv := range x {
				walk(vv, blockID)
			}
		}
	}
	walk(c.blocksJSON(), "")
	return out
}

// Element returns the first element whose action id starts with prefix.
func (c Call) Element(prefix string) (Element, bool) {
	for _, e := range c.Elements() {
		if strings.HasPrefix(e.ActionID, prefix) {
			return e, true
		}
	}
	return Element{}, false
}
