package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

func eventPayload(eventID string, inner map[string]any) json.RawMessage {
	return json.RawMessage(eventBody(eventID, inner))
}

// TestSocketMode: over Socket Mode every envelope is acked, and events,
// interactions and commands behave as over HTTP, across a reconnect.
func TestSocketMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.AppToken = "xapp-test" })
	h.fake.WaitConnections(t, 1, wait)
	if c := h.fake.Calls("apps.connections.open")[0]; c.Token != "xapp-test" {
		t.Errorf("apps.connections.open used token %q, want the app-level token", c.Token)
	}

	env := h.fake.Send(t, "events_api", eventPayload("EvS1", mention(uJules, cCheck, "1700000001.000001", "who writes the acceptance criteria?")), 0)
	h.fake.WaitAck(t, env, wait)
	ans := h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["thread_ts"] == "1700000001.000001" })
	if ans.Params["channel"] != cCheck || !strings.Contains(ans.AllText(), "<@"+uMarco+">") {
		t.Errorf("socket answer:\n%s", ans.AllText())
	}

	// A redelivery (retry_attempt 1) is acked and not answered again.
	env = h.fake.Send(t, "events_api", eventPayload("EvS1", mention(uJules, cCheck, "1700000001.000001", "who writes the acceptance criteria?")), 1)
	h.fake.WaitAck(t, env, wait)

	// The slash command's reply rides in its ack.
	env = h.fake.Send(t, "slash_commands", map[string]any{
		"team_id": testTeam, "channel_id": cCheck, "user_id": uJules, "user_name": "jules", "command": "/whoowns",
		"text": "show checkout", "response_url": h.fake.ResponseURL("s"), "trigger_id": "trig-s",
	}, 0)
	ack := h.fake.WaitAck(t, env, wait)
	var reply commandReply
	if err := json.Unmarshal(ack.Payload, &reply); err != nil || reply.ResponseType != "ephemeral" || !strings.Contains(reply.Text, "Checkout") {
		t.Errorf("command ack payload %s (%v)", ack.Payload, err)
	}

	// A button click arrives as an interactive envelope.
	ans.Params["ts"] = "1700000000.000042"
	why, _ := ans.Element(actionWhy)
	payload := map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": uPriya},
		"container": map[string]any{"type": "message", "message_ts": "1700000000.000042", "channel_id": cCheck, "thread_ts": "1700000001.000001"},
		"channel":   map[string]any{"id": cCheck}, "response_url": h.fake.ResponseURL("i"),
		"actions": []any{map[string]any{"action_id": why.ActionID, "block_id": why.BlockID, "type": "button", "value": why.Value, "action_ts": "1.2"}},
	}
	env = h.fake.Send(t, "interactive", payload, 0)
	h.fake.WaitAck(t, env, wait)
	eph := h.fake.WaitCalls(t, "chat.postEphemeral", 1, wait)[0]
	if eph.Params["user"] != uPriya || !strings.Contains(eph.AllText(), "Why this answer") {
		t.Errorf("why over socket: %q", eph.AllText())
	}

	// The connection drops; the adapter reconnects and goes on answering.
	h.fake.Drop()
	h.fake.WaitConnections(t, 2, wait)
	env = h.fake.Send(t, "events_api", eventPayload("EvS2", dm(uPriya, dmPriya, "1700000002.000001", "who owns the roadmap?")), 0)
	h.fake.WaitAck(t, env, wait)
	h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == dmPriya })

	// An event type slack-go cannot parse is still acked.
	env = h.fake.Send(t, "events_api", eventPayload("EvS3", map[string]any{"type": "some_future_event", "x": 1}), 0)
	h.fake.WaitAck(t, env, wait)

	h.sentinel("s")
	answers := 0
	for _, c := range h.postsTo(cCheck) {
		if c.Params["thread_ts"] == "1700000001.000001" {
			answers++
		}
	}
	if answers != 1 {
		t.Errorf("the redelivered event was answered %d times, want once", answers)
	}
}
