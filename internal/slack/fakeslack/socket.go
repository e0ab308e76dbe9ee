package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// pingEvery keeps slack-go's dead-connection timer (30s without a ping)
// from firing in longer tests.
const pingEvery = 5 * time.Second

// socket serves the Socket Mode websocket: hello, pings, and acks read back.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.sockMu.Lock()
	s.sock = conn
	err = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A1"}})
	if err == nil {
		err = conn.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(time.Second))
	}
	s.sockMu.Unlock()
	if err != nil {
		return
	}
	s.mu.Lock()
	s.conns++
	s.broadcast()
	s.mu.Unlock()

	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(pingEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.sockMu.Lock()
				_ = conn.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(time.Second))
				s.sockMu.Unlock()
			}
		}
	}()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			s.sockMu.Lock()
			if s.sock == conn {
				s.sock = nil
			}
			s.sockMu.Unlock()
			return
		}
		var a Ack
		if json.Unmarshal(data, &a) == nil && a.EnvelopeID != "" {
			s.mu.Lock()
			s.acks = append(s.acks, a)
			s.broadcast()
			s.mu.Unlock()
		}
	}
}

// WaitConnections waits until the bot has opened n Socket Mode connections
// in total (reconnects count).
func (s *Server) WaitConnections(tb testing.TB, n int, timeout time.Duration) {
	tb.Helper()
	s.wait(tb, timeout, fmt.Sprintf("%d socket connection(s)", n), func() bool { return s.conns >= n })
	// The connection counts once hello is written; wait for it to be the
	// current one too, so Send has somewhere to write.
	s.wait(tb, timeout, "a live socket", func() bool {
		s.sockMu.Lock()
		defer s.sockMu.Unlock()
		return s.sock != nil
	})
}

// Send writes a Socket Mode envelope of type typ ("events_api",
// "interactive", "slash_commands") and returns its envelope id.
func (s *Server) Send(tb testing.TB, typ string, payload any, retryAttempt int) string {
	tb.Helper()
	s.mu.Lock()
	s.envelope++
	id := fmt.Sprintf("env-%d", s.envelope)
	s.mu.Unlock()
	raw, err := json.Marshal(payload)
	if err != nil {
		tb.Fatalf("fakeslack: payload: %v", err)
	}
	msg := map[string]any{
		"envelope_id":              id,
		"type":                     typ,
		"payload":                  json.RawMessage(raw),
		"accepts_response_payload": typ == "slash_commands",
		"retry_attempt":            retryAttempt,
		"retry_reason":             "",
	}
	s.sockMu.Lock()
	defer s.sockMu.Unlock()
	if s.sock == nil {
		tb.Fatalf("fakeslack: no socket connection to send on")
	}
	if err := s.sock.WriteJSON(msg); err != nil {
		tb.Fatalf("fakeslack: send: %v", err)
	}
	return id
}

// Drop closes the current socket connection, as a network failure would.
func (s *Server) Drop() {
	s.sockMu.Lock()
	defer s.sockMu.Unlock()
	if s.sock != nil {
		_ = s.sock.Close()
		s.sock = nil
	}
}

// WaitAck waits for the ack of envelope id.
func (s *Server) WaitAck(tb testing.TB, id string, timeout time.Duration) Ack {
	tb.Helper()
	var found Ack
	s.wait(tb, timeout, "the ack of "+id, func() bool {
		for _, a := range s.acks {
			if a.EnvelopeID == id {
				found = a
				return true
			}
		}
		return false
	})
	return found
}
