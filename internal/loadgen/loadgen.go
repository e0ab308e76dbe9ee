// Package loadgen plays Slack at a target rate against running whoowns
// replicas: it sends signed Events API requests carrying realistic questions
// (a mix over every intent, some out of scope, some redelivered to another
// replica the way Slack retries) and records the replies on a fake Web API,
// then reports acknowledgement and answer latencies, lost answers and
// duplicates.
package loadgen

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/whoowns/whoowns/internal/intent"
)

// Options configures a run.
type Options struct {
	// Targets are the replicas' base URLs ("http://127.0.0.1:8081").
	Targets []string
	// SigningSecret must match the replicas' SLACK_SIGNING_SECRET.
	SigningSecret string
	// TeamID is the Slack workspace the events come from.
	TeamID string
	// Channels are channel ids the questions are asked in.
	Channels []string
	Rate     int           // events per second
	Duration time.Duration // how long to send
	// Redeliver is the share of events delivered a second time (0.2).
	Redeliver float64
	// Unknown is the share of out-of-scope questions (0.1).
	Unknown float64
	// Drain is how long to wait for the last answers after sending stops.
	Drain time.Duration
	// Senders is the number of concurrent HTTP senders.
	Senders int
	// API is the fake Web API the replicas post replies to.
	API *FakeAPI
	// Catalogue supplies the questions.
	Catalogue *intent.Catalogue
	Seed      uint64
}

// Report is what a run measured.
type Report struct {
	Sent         int64         `json:"sent"`       // deliveries, redeliveries included
	Acked        int64         `json:"acked"`      // answered 200 by the replica
	Errors       int64         `json:"errors"`     // non-200 or transport errors
	AckP50       time.Duration `json:"ack_p50_ns"` // request → 200
	AckP99       time.Duration `json:"ack_p99_ns"`
	Events       int64         `json:"events"`       // distinct events
	Answered     int64         `json:"answered"`     // events with a reply
	ReplyP50     time.Duration `json:"reply_p50_ns"` // first delivery → first reply
	ReplyP99     time.Duration `json:"reply_p99_ns"`
	Lost         int64         `json:"lost"`          // events never answered
	Duplicates   int64         `json:"duplicates"`    // events answered more than once
	Elapsed      time.Duration `json:"elapsed_ns"`    // sending time
	AchievedRate float64       `json:"achieved_rate"` // distinct events per second actually sent
	Redeliveries int64         `json:"redeliveries"`
	UnknownAsked int64         `json:"unknown_asked"`
	APICalls     int64         `json:"api_calls"`   // Web API calls the replicas made
	OtherPosts   int64         `json:"other_posts"` // Web API calls other than threaded replies
}

// String renders the report for a terminal.
func (r Report) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf(`sent        %d deliveries (%d events, %d redelivered, %d out of scope) in %s = %.0f events/s
acked       %d   errors %d
ack         p50 %s   p99 %s
answered    %d of %d events
reply       p50 %s   p99 %s   (event sent → reply posted)
lost        %d   duplicates %d
web api     %d calls (%d not threaded replies)`,
		r.Sent, r.Events, r.Redeliveries, r.UnknownAsked, r.Elapsed.Round(time.Millisecond), r.AchievedRate,
		r.Acked, r.Errors, ms(r.AckP50), ms(r.AckP99), r.Answered, r.Events, ms(r.ReplyP50), ms(r.ReplyP99), r.Lost, r.Duplicates, r.APICalls, r.OtherPosts)
}

type delivery struct {
	body  []byte
	retry int
	event int // index into sentAt
}

// Run sends load until Duration has passed, waits up to Drain for the last
// answers, and reports.
func Run(ctx context.Context, o Options) (Report, error) {
	if len(o.Targets) == 0 || o.API == nil || o.Catalogue == nil || o.Rate <= 0 || o.Duration <= 0 {
		return Report{}, fmt.Errorf("loadgen: targets, API, catalogue, a positive rate and duration are required")
	}
	if o.Senders <= 0 {
		o.Senders = 128
	}
	if o.TeamID == "" {
		o.TeamID = "TLOAD"
	}
	if len(o.Channels) == 0 {
		o.Channels = []string{"C0CHECKOUT", "C0PAYMENTS", "C0MOBILE", "C0SEARCH"}
	}
	questions, unknown := questionsFrom(o.Catalogue)
	rng := rand.New(rand.NewPCG(o.Seed, 42))
	// Event ids must be new on every run: the replicas remember the ids they
	// answered, and would rightly drop a repeat as a redelivery.
	run := strconv.FormatUint(rng.Uint64()%1_000_000_000, 36)

	total := int(float64(o.Rate) * o.Duration.Seconds())
	sentAt := make([]time.Time, total)
	threads := make([]string, total)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: o.Senders * 2, MaxIdleConnsPerHost: o.Senders, IdleConnTimeout: 30 * time.Second,
	}}
	defer client.CloseIdleConnections()

	var rep Report
	var ackMu sync.Mutex
	acks := make([]time.Duration, 0, total+total/4)
	jobs := make(chan delivery, o.Senders*4)
	var next atomic.Uint64
	var wg sync.WaitGroup
	var sentMu sync.Mutex
	for i := 0; i < o.Senders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				target := o.Targets[int(next.Add(1))%len(o.Targets)]
				start := time.Now()
				if d.retry == 0 {
					sentMu.Lock()
					sentAt[d.event] = start
					sentMu.Unlock()
				}
				code, err := post(ctx, client, target, o.SigningSecret, d.body, d.retry)
				lat := time.Since(start)
				atomic.AddInt64(&rep.Sent, 1)
				if err != nil || code != http.StatusOK {
					atomic.AddInt64(&rep.Errors, 1)
					continue
				}
				atomic.AddInt64(&rep.Acked, 1)
				ackMu.Lock()
				acks = append(acks, lat)
				ackMu.Unlock()
			}
		}()
	}

	// Pace in 2 ms slices so the rate holds without a timer per event.
	const slice = 2 * time.Millisecond
	begin := time.Now()
	base := begin.Unix()
	var retries sync.WaitGroup
	sent := 0
	ticker := time.NewTicker(slice)
	for sent < total && ctx.Err() == nil {
		due := int(float64(o.Rate) * time.Since(begin).Seconds())
		for ; sent < due && sent < total; sent++ {
			q := questions[rng.IntN(len(questions))]
			if rng.Float64() < o.Unknown {
				q = unknown[rng.IntN(len(unknown))]
				rep.UnknownAsked++
			}
			ts := fmt.Sprintf("%d.%06d", base+int64(sent/1_000_000), sent%1_000_000)
			threads[sent] = ts
			body := eventBody(o.TeamID, fmt.Sprintf("EvLOAD%s%08d", run, sent), o.Channels[rng.IntN(len(o.Channels))],
				fmt.Sprintf("ULOAD%04d", rng.IntN(5000)), "<@UBOT> "+q, ts)
			jobs <- delivery{body: body, event: sent}
			if rng.Float64() < o.Redeliver {
				rep.Redeliveries++
				// Half race the first delivery, half come later, as Slack's
				// retries after a slow ack would.
				delay := time.Duration(rng.IntN(3)) * time.Millisecond
				if rng.IntN(2) == 0 {
					delay = time.Duration(50+rng.IntN(450)) * time.Millisecond
				}
				retries.Add(1)
				time.AfterFunc(delay, func() {
					defer retries.Done()
					select {
					case jobs <- delivery{body: body, retry: 1, event: -1}:
					case <-ctx.Done():
					}
				})
			}
		}
		select {
		case <-ticker.C:
		case <-ctx.Done():
		}
	}
	ticker.Stop()
	rep.Elapsed = time.Since(begin)
	retries.Wait()
	close(jobs)
	wg.Wait()
	rep.Events = int64(sent)
	rep.AchievedRate = float64(sent) / rep.Elapsed.Seconds()

	// Wait for the answers still in flight.
	deadline := time.NewTimer(o.Drain)
	defer deadline.Stop()
	for o.API.count() < sent {
		select {
		case <-o.API.notify:
		case <-deadline.C:
			goto done
		case <-ctx.Done():
			goto done
		}
	}
	// Give duplicates that raced the last reply a moment to show up.
	time.Sleep(200 * time.Millisecond)
done:
	replies := o.API.Replies()
	rep.APICalls, rep.OtherPosts = o.API.calls.Load(), o.API.other.Load()
	var lat []time.Duration
	for i := 0; i < sent; i++ {
		got := replies[threads[i]]
		switch {
		case len(got) == 0:
			rep.Lost++
			continue
		case len(got) > 1:
			rep.Duplicates++
		}
		rep.Answered++
		first := slices.MinFunc(got, func(a, b time.Time) int { return a.Compare(b) })
		lat = append(lat, first.Sub(sentAt[i]))
	}
	rep.AckP50, rep.AckP99 = percentile(acks, 50), percentile(acks, 99)
	rep.ReplyP50, rep.ReplyP99 = percentile(lat, 50), percentile(lat, 99)
	return rep, nil
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := (len(ds)*p + 99) / 100
	if i > 0 {
		i--
	}
	return ds[min(i, len(ds)-1)]
}

func post(ctx context.Context, c *http.Client, target, secret string, body []byte, retry int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+"/slack/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(secret, ts, body))
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Sign computes Slack's v0 request signature.
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

func eventBody(team, id, channel, user, text, ts string) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "unused", "team_id": team, "api_app_id": "ALOAD", "type": "event_callback",
		"event_id": id, "event_time": time.Now().Unix(),
		"event":          map[string]any{"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts},
		"authorizations": []map[string]any{{"team_id": team, "user_id": "UBOT", "is_bot": true}},
	})
	return b
}

// questionsFrom takes the questions from the catalogue's own phrases: every
// intent, and the out-of-scope examples for the unknown share.
func questionsFrom(cat *intent.Catalogue) (known, unknown []string) {
	for _, in := range cat.Intents() {
		for _, p := range in.Phrases {
			if in.ID == "none" {
				unknown = append(unknown, p)
			} else {
				known = append(known, p)
			}
		}
	}
	if len(unknown) == 0 {
		unknown = []string{"what's for lunch?"}
	}
	return known, unknown
}
