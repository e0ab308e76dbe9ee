//go:build ignore

// Barebot is the floor a whoowns replica's cost per answer is compared
// with: a Slack bot that does only what every answer needs and nothing
// whoowns adds. It verifies an event's signature, acknowledges it, claims
// the event id in Redis (one round trip) and posts a fixed threaded reply
// with net/http. It reads the environment `whoowns serve` reads for the
// same (WHOOWNS_ADDR, REDIS_URL, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN,
// SLACK_API_URL) and ignores its arguments, so scripts/cpu-per-answer.sh
// measures it beside whoowns:
//
//	go build -o /tmp/barebot scripts/barebot/main.go
//	scripts/cpu-per-answer.sh bare=/tmp/barebot now=/tmp/whoowns
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

type event struct {
	EventID string `json:"event_id"`
	Event   struct {
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"event"`
}

func main() {
	secret := []byte(os.Getenv("SLACK_SIGNING_SECRET"))
	token := os.Getenv("SLACK_BOT_TOKEN")
	postURL := os.Getenv("SLACK_API_URL") + "chat.postMessage"
	opt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	jobs := make(chan event, 1024)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for ev := range jobs {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				ok, err := rdb.SetNX(ctx, "bare:"+ev.EventID, 1, time.Hour).Result()
				if err == nil && ok {
					body, _ := json.Marshal(map[string]string{"channel": ev.Event.Channel, "thread_ts": ev.Event.TS, "text": "The Product Owner owns this."})
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, postURL, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json; charset=utf-8")
					req.Header.Set("Authorization", "Bearer "+token)
					if resp, err := hc.Do(req); err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
				cancel()
			}
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ready\n") })
	mux.HandleFunc("POST /slack/events", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		ts := r.Header.Get("X-Slack-Request-Timestamp")
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("v0:" + ts + ":"))
		m.Write(body)
		if !hmac.Equal([]byte("v0="+hex.EncodeToString(m.Sum(nil))), []byte(r.Header.Get("X-Slack-Signature"))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		select {
		case jobs <- ev:
		default:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	})
	srv := &http.Server{Addr: os.Getenv("WHOOWNS_ADDR"), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	<-stop
	_ = srv.Shutdown(context.Background())
	close(jobs)
	wg.Wait()
}
