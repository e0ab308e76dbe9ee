package slack

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"
)

// chat.postMessage's body, written by hand. Every answer is posted as
// JSON; encoding/json spent most of the post's CPU walking slack-go's block
// structs by reflection, and those structs marshal their element lists
// through nested json.Marshal calls (ContextElements, BlockElements). The
// block types and fields the renderer makes are written here directly, in
// the order and with the omissions of their json tags; anything else (a
// block type, element or field this file does not know) is handed to
// encoding/json as before, so the body always says what the blocks say.
// TestAppendBlocksMatchesEncodingJSON holds the two to the same JSON.

// appendPostMessage appends m as chat.postMessage's JSON body: channel and
// thread_ts first, so a reader after only those can stop early.
func appendPostMessage(b []byte, m message) ([]byte, error) {
	if m.answer.set {
		return appendAnswerPost(b, m.Channel, m.ThreadTS, &m.answer), nil
	}
	b = append(b, `{"channel":`...)
	b = appendJSONString(b, m.Channel)
	if m.ThreadTS != "" {
		b = append(b, `,"thread_ts":`...)
		b = appendJSONString(b, m.ThreadTS)
	}
	b = append(b, `,"text":`...)
	b = appendJSONString(b, m.Text)
	if len(m.Blocks) > 0 {
		var err error
		b = append(b, `,"blocks":`...)
		if b, err = appendBlocks(b, m.Blocks); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendBlocks appends blocks as a JSON array.
func appendBlocks(b []byte, blocks []slackapi.Block) ([]byte, error) {
	b = append(b, '[')
	for i, bl := range blocks {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendBlock(b, bl); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func appendBlock(b []byte, bl slackapi.Block) ([]byte, error) {
	switch x := bl.(type) {
	case *slackapi.SectionBlock:
		if x == nil || len(x.Fields) > 0 || x.Accessory != nil {
			break
		}
		b = appendType(b, string(x.Type))
		if x.Text != nil {
			b = append(b, `,"text":`...)
			b = appendTextObject(b, x.Text)
		}
		b = appendOptional(b, `,"block_id":`, x.BlockID)
		if x.Expand {
			b = append(b, `,"expand":true`...)
		}
		return append(b, '}'), nil
	case *slackapi.ContextBlock:
		if x == nil {
			break
		}
		b = appendType(b, string(x.Type))
		b = appendOptional(b, `,"block_id":`, x.BlockID)
		b = append(b, `,"elements":`...)
		if x.ContextElements.Elements == nil {
			return append(b, "null}"...), nil
		}
		b = append(b, '[')
		for i, e := range x.ContextElements.Elements {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if t, ok := e.(*slackapi.TextBlockObject); ok && t != nil {
				b = appendTextObject(b, t)
			} else if b, err = appendMarshal(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, "]}"...), nil
	case *slackapi.ActionBlock:
		if x == nil {
			break
		}
		b = appendType(b, string(x.Type))
		b = appendOptional(b, `,"block_id":`, x.BlockID)
		b = append(b, `,"elements":`...)
		if x.Elements == nil || x.Elements.ElementSet == nil {
			return append(b, "null}"...), nil
		}
		b = append(b, '[')
		for i, e := range x.Elements.ElementSet {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if bt, ok := e.(*slackapi.ButtonBlockElement); ok && plainButton(bt) {
				b = appendButton(b, bt)
			} else if b, err = appendMarshal(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, "]}"...), nil
	case *slackapi.DividerBlock:
		if x == nil {
			break
		}
		b = appendType(b, string(x.Type))
		b = appendOptional(b, `,"block_id":`, x.BlockID)
		return append(b, '}'), nil
	case *slackapi.HeaderBlock:
		if x == nil {
			break
		}
		b = appendType(b, string(x.Type))
		if x.Text != nil {
			b = append(b, `,"text":`...)
			b = appendTextObject(b, x.Text)
		}
		b = appendOptional(b, `,"block_id":`, x.BlockID)
		if x.Level != 0 {
			b = append(b, `,"level":`...)
			b = strconv.AppendInt(b, int64(x.Level), 10)
		}
		return append(b, '}'), nil
	}
	return appendMarshal(b, bl)
}

// plainButton reports whether bt has only the fields appendButton writes.
func plainButton(bt *slackapi.ButtonBlockElement) bool {
	return bt != nil && bt.Confirm == nil && len(bt.VisibleToUserIDs) == 0
}

func appendButton(b []byte, bt *slackapi.ButtonBlockElement) []byte {
	b = append(b, '{')
	if bt.Type != "" {
		b = append(b, `"type":`...)
		b = appendJSONString(b, string(bt.Type))
		b = append(b, ',')
	}
	b = append(b, `"text":`...)
	if bt.Text == nil {
		b = append(b, "null"...)
	} else {
		b = appendTextObject(b, bt.Text)
	}
	b = appendOptional(b, `,"action_id":`, bt.ActionID)
	b = appendOptional(b, `,"url":`, bt.URL)
	b = appendOptional(b, `,"value":`, bt.Value)
	b = appendOptional(b, `,"style":`, string(bt.Style))
	b = appendOptional(b, `,"accessibility_label":`, bt.AccessibilityLabel)
	b = appendOptional(b, `,"agent_prompt":`, bt.AgentPrompt)
	b = appendOptional(b, `,"agent_prompt_display":`, bt.AgentPromptDisplay)
	return append(b, '}')
}

func appendTextObject(b []byte, t *slackapi.TextBlockObject) []byte {
	b = appendType(b, t.Type)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, t.Text)
	if t.Emoji != nil {
		b = append(b, `,"emoji":`...)
		b = strconv.AppendBool(b, *t.Emoji)
	}
	if t.Verbatim {
		b = append(b, `,"verbatim":true`...)
	}
	return append(b, '}')
}

// appendType opens an object with its "type".
func appendType(b []byte, typ string) []byte {
	b = append(b, `{"type":`...)
	return appendJSONString(b, typ)
}

// appendOptional appends key and s unless s is empty (omitempty).
func appendOptional(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

// appendMarshal appends what encoding/json makes of v: the path for
// everything appendBlock does not write itself.
func appendMarshal(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, as encoding/json writes it
// without HTML escaping: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, and U+2028 and U+2029 escaped
// (JavaScript reads them as line ends). "<", ">" and "&" stay as they are:
// mrkdwn uses them, and escaping them would only lengthen the body.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
