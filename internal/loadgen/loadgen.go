// Package loadgen plays Slack at a target rate against running whoowns
// replicas: it sends signed Events API requests carrying realistic questions
// (a mix over every intent, some out of scope, some redelivered to another
// replica the way Slack retries) and records the replies on a fake Web API,
// then reports acknowledgement and answer latencies, lost answers and
// duplicates.
//
// The generator shares the machine with what it measures, so it is built
// to cost little per event: bodies are appended into reused buffers, each
// sender writes its requests straight onto its own keep-alive connection
// and parses the answer with net/http's parser, and redeliveries wait in
// one heap that the pacing loop serves instead of a timer each.
package loadgen

import (
	"bufio"
	"container/heap"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	Duration time.Duration // how long to send and measure
	// Warmup is sent at the same rate before Duration starts, in whole
	// seconds. Its latencies are reported apart (Report.Warmup) and kept out
	// of the measured figures: freshly started replicas, connections and
	// heaps take a moment to reach their steady state. Every event counts
	// towards Lost and Duplicates, warm-up or not.
	Warmup time.Duration
	// Redeliver is the share of events delivered a second time (0.2), each
	// to another replica than the first delivery when there are several.
	Redeliver float64
	// Unknown is the share of out-of-scope questions (0.1).
	Unknown float64
	// Drain is how long to wait for the last answers after sending stops.
	Drain time.Duration
	// Senders is the number of concurrent HTTP senders, spread over the
	// targets (each keeps one connection to its target).
	Senders int
	// API is the fake Web API the replicas post replies to.
	API *FakeAPI
	// Catalogue supplies the questions.
	Catalogue *intent.Catalogue
	Seed      uint64
}

// DefaultSenders is the number of senders when Options.Senders is 0.
const DefaultSenders = 48

// Report is what a run measured. Unless a field says otherwise, it counts
// what was sent after the warm-up.
type Report struct {
	Sent         int64         `json:"sent"`       // deliveries, redeliveries included
	Acked        int64         `json:"acked"`      // answered 200 by the replica
	Errors       int64         `json:"errors"`     // non-200 or transport errors
	AckP50       time.Duration `json:"ack_p50_ns"` // request → 200
	AckP99       time.Duration `json:"ack_p99_ns"`
	LagP99       time.Duration `json:"lag_p99_ns"`   // due → request started: the generator's own delay
	Events       int64         `json:"events"`       // distinct events
	Answered     int64         `json:"answered"`     // events with a reply
	ReplyP50     time.Duration `json:"reply_p50_ns"` // first delivery → first reply
	ReplyP99     time.Duration `json:"reply_p99_ns"`
	Lost         int64         `json:"lost"`          // events never answered, warm-up included
	Duplicates   int64         `json:"duplicates"`    // events answered more than once, warm-up included
	Elapsed      time.Duration `json:"elapsed_ns"`    // sending time
	AchievedRate float64       `json:"achieved_rate"` // distinct events per second actually sent
	Redeliveries int64         `json:"redeliveries"`
	UnknownAsked int64         `json:"unknown_asked"`
	APICalls     int64         `json:"api_calls"`   // Web API calls the replicas made
	OtherPosts   int64         `json:"other_posts"` // Web API calls other than threaded replies
	// Warmup is what was sent before the measured part, when there was a
	// warm-up.
	Warmup *Phase `json:"warmup,omitempty"`
	// Timeline breaks the run down by the second the requests were sent
	// in, so a tail can be placed: a slow start, one stall, or throughout.
	// Warm-up seconds come first, with negative at_s.
	Timeline []Second `json:"timeline"`
}

// Phase sums up the warm-up.
type Phase struct {
	Duration   time.Duration `json:"duration_ns"`
	Sent       int64         `json:"sent"`
	Acked      int64         `json:"acked"`
	Errors     int64         `json:"errors"`
	AckP99     time.Duration `json:"ack_p99_ns"`
	Events     int64         `json:"events"`
	Answered   int64         `json:"answered"`
	ReplyP99   time.Duration `json:"reply_p99_ns"`
	Lost       int64         `json:"lost"`
	Duplicates int64         `json:"duplicates"`
}

// Second is one second of a run: the deliveries sent in it and how their
// acks and replies went.
type Second struct {
	At       int           `json:"at_s"`  // seconds since the measured part started
	Sent     int64         `json:"sent"`  // deliveries sent in this second
	Acked    int64         `json:"acked"` // of which answered 200
	AckP99   time.Duration `json:"ack_p99_ns"`
	Events   int64         `json:"events"` // first deliveries, of which answered:
	Answered int64         `json:"answered"`
	ReplyP50 time.Duration `json:"reply_p50_ns"`
	ReplyP99 time.Duration `json:"reply_p99_ns"`
	ReplyMax time.Duration `json:"reply_max_ns"`
}

// TimelineString renders the timeline as a table, one line per second.
func (r Report) TimelineString() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
	var b strings.Builder
	fmt.Fprintf(&b, "%4s %7s %7s %9s %7s %9s %9s %9s\n", "s", "sent", "acked", "ack p99", "events", "reply p50", "reply p99", "reply max")
	for _, s := range r.Timeline {
		fmt.Fprintf(&b, "%4d %7d %7d %9s %7d %9s %9s %9s\n", s.At, s.Sent, s.Acked, ms(s.AckP99), s.Events, ms(s.ReplyP50), ms(s.ReplyP99), ms(s.ReplyMax))
	}
	return b.String()
}

// String renders the report for a terminal.
func (r Report) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
	warm := ""
	if w := r.Warmup; w != nil {
		warm = fmt.Sprintf("warm-up     %s first, not in the figures below: %d deliveries, %d errors, ack p99 %s, %d of %d events answered, reply p99 %s, lost %d, duplicates %d\n",
			w.Duration, w.Sent, w.Errors, ms(w.AckP99), w.Answered, w.Events, ms(w.ReplyP99), w.Lost, w.Duplicates)
	}
	return warm + fmt.Sprintf(`sent        %d deliveries (%d events, %d redelivered, %d out of scope) in %s = %.0f events/s
acked       %d   errors %d
ack         p50 %s   p99 %s   (generator lag p99 %s)
answered    %d of %d events
reply       p50 %s   p99 %s   (event sent → reply posted)
lost        %d   duplicates %d   (all events, warm-up included)
web api     %d calls (%d not threaded replies)`,
		r.Sent, r.Events, r.Redeliveries, r.UnknownAsked, r.Elapsed.Round(time.Millisecond), r.AchievedRate,
		r.Acked, r.Errors, ms(r.AckP50), ms(r.AckP99), ms(r.LagP99), r.Answered, r.Events, ms(r.ReplyP50), ms(r.ReplyP99), r.Lost, r.Duplicates, r.APICalls, r.OtherPosts)
}

// delivery is one request to send.
type delivery struct {
	body  []byte
	retry int
	event int // index into sentAt; -1 for a redelivery
	warm  bool
	due   time.Time
}

// pending is a redelivery waiting for its time.
type pending struct {
	at     time.Time
	target int
	d      delivery
}

type pendingHeap []pending

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h pendingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)        { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}

// senderStats is what one sender measured; merged after the run, so the
// senders share no lock.
type senderStats struct {
	// Measured deliveries: counts, ack latencies and how late they started.
	sent, acked, errors int64
	acks, lags          []time.Duration
	// The warm-up's.
	warmSent, warmAcked, warmErrors int64
	warmAcks                        []time.Duration
	// bySecond holds every ack latency by the second of the run its
	// request was sent in, and sentIn counts every request by that second,
	// failed ones included.
	bySecond [][]time.Duration
	sentIn   []int64
}

// Run sends load until Duration has passed, waits up to Drain for the last
// answers, and reports.
func Run(ctx context.Context, o Options) (Report, error) {
	if len(o.Targets) == 0 || o.API == nil || o.Catalogue == nil || o.Rate <= 0 || o.Duration <= 0 {
		return Report{}, fmt.Errorf("loadgen: targets, API, catalogue, a positive rate and duration are required")
	}
	if o.Senders <= 0 {
		o.Senders = DefaultSenders
	}
	if o.TeamID == "" {
		o.TeamID = "TLOAD"
	}
	if len(o.Channels) == 0 {
		o.Channels = []string{"C0CHECKOUT", "C0PAYMENTS", "C0MOBILE", "C0SEARCH"}
	}
	targets := make([]*url.URL, len(o.Targets))
	for i, t := range o.Targets {
		u, err := url.Parse(t)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return Report{}, fmt.Errorf("loadgen: target %q is not an http://host:port URL", t)
		}
		targets[i] = u
	}
	questions, unknown := questionsFrom(o.Catalogue)
	rng := rand.New(rand.NewPCG(o.Seed, 42))
	// Event ids must be new on every run: the replicas remember the ids they
	// answered, and would rightly drop a repeat as a redelivery.
	run := strconv.FormatUint(rng.Uint64()%1_000_000_000, 36)

	warmSecs := int((o.Warmup + time.Second - 1) / time.Second)
	warmTotal := o.Rate * warmSecs
	total := warmTotal + int(float64(o.Rate)*o.Duration.Seconds())
	// Late redeliveries and slow sends can fall after the last second.
	seconds := warmSecs + int(o.Duration/time.Second) + 2
	var begin time.Time // set before the first delivery is queued
	sentAt := make([]time.Time, total)
	threads := make([]string, total)

	// One queue and a share of the senders per target.
	perTarget := max(1, o.Senders/len(targets))
	queues := make([]chan delivery, len(targets))
	var wg sync.WaitGroup
	var stats []*senderStats
	perSender := (total+total/4)/(perTarget*len(targets)) + 16
	for t := range targets {
		queues[t] = make(chan delivery, perTarget*8)
		for range perTarget {
			st := &senderStats{acks: make([]time.Duration, 0, perSender), lags: make([]time.Duration, 0, perSender),
				bySecond: make([][]time.Duration, seconds), sentIn: make([]int64, seconds)}
			stats = append(stats, st)
			s := newSender(targets[t], o.SigningSecret)
			// Connect before the clock starts: Slack's connections to a
			// running bot are already open. A failure here is retried by
			// the first post.
			_ = s.dial(ctx)
			wg.Go(func() {
				defer s.close()
				for d := range queues[t] {
					start := time.Now()
					if d.event >= 0 {
						sentAt[d.event] = start // each event is written by one sender only
					}
					code, err := s.post(ctx, d.body, d.retry, start)
					ack := time.Since(start)
					sec := min(int(start.Sub(begin)/time.Second), seconds-1)
					st.sentIn[sec]++
					ok := err == nil && code == http.StatusOK
					if ok {
						st.bySecond[sec] = append(st.bySecond[sec], ack)
					}
					switch {
					case d.warm && ok:
						st.warmSent++
						st.warmAcked++
						st.warmAcks = append(st.warmAcks, ack)
					case d.warm:
						st.warmSent++
						st.warmErrors++
					case ok:
						st.sent++
						st.acked++
						st.acks = append(st.acks, ack)
						st.lags = append(st.lags, start.Sub(d.due))
					default:
						st.sent++
						st.errors++
						st.lags = append(st.lags, start.Sub(d.due))
					}
				}
			})
		}
	}

	var rep Report
	var redeliveries pendingHeap
	// Pace in 2 ms slices so the rate holds without a timer per event.
	const slice = 2 * time.Millisecond
	begin = time.Now()
	measured := begin.Add(time.Duration(warmSecs) * time.Second)
	base := begin.Unix()
	sent := 0
	ticker := time.NewTicker(slice)
	var bodyBuf []byte
	for (sent < total || len(redeliveries) > 0) && ctx.Err() == nil {
		now := time.Now()
		due := min(int(float64(o.Rate)*now.Sub(begin).Seconds()), total)
		for ; sent < due; sent++ {
			warm := sent < warmTotal
			q := questions[rng.IntN(len(questions))]
			if rng.Float64() < o.Unknown {
				q = unknown[rng.IntN(len(unknown))]
				if !warm {
					rep.UnknownAsked++
				}
			}
			ts := strconv.FormatInt(base+int64(sent/1_000_000), 10) + "." + padded(sent%1_000_000, 6)
			threads[sent] = ts
			bodyBuf = appendEventBody(bodyBuf[:0], o.TeamID, "EvLOAD"+run+padded(sent, 8), o.Channels[rng.IntN(len(o.Channels))],
				"ULOAD"+padded(rng.IntN(5000), 4), q, ts, now.Unix())
			body := slices.Clone(bodyBuf)
			target := sent % len(targets)
			queues[target] <- delivery{body: body, event: sent, warm: warm, due: now}
			if rng.Float64() < o.Redeliver {
				if !warm {
					rep.Redeliveries++
				}
				// Half race the first delivery, half come later, as Slack's
				// retries after a slow ack would; always to another replica.
				delay := time.Duration(rng.IntN(3)) * time.Millisecond
				if rng.IntN(2) == 0 {
					delay = time.Duration(50+rng.IntN(450)) * time.Millisecond
				}
				other := target
				if len(targets) > 1 {
					other = (target + 1 + rng.IntN(len(targets)-1)) % len(targets)
				}
				heap.Push(&redeliveries, pending{at: now.Add(delay), target: other, d: delivery{body: body, retry: 1, event: -1, warm: warm}})
			}
		}
		for len(redeliveries) > 0 && !redeliveries[0].at.After(now) {
			p := heap.Pop(&redeliveries).(pending)
			p.d.due = p.at
			queues[p.target] <- p.d
		}
		if sent == total {
			if rep.Elapsed == 0 {
				rep.Elapsed = time.Since(measured)
			}
			if len(redeliveries) == 0 {
				break
			}
		}
		select {
		case <-ticker.C:
		case <-ctx.Done():
		}
	}
	ticker.Stop()
	if rep.Elapsed == 0 { // cancelled
		rep.Elapsed = max(0, time.Since(measured))
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	rep.Events = int64(max(0, sent-warmTotal))
	if rep.Elapsed > 0 {
		rep.AchievedRate = float64(rep.Events) / rep.Elapsed.Seconds()
	}
	var warm *Phase
	if warmSecs > 0 {
		warm = &Phase{Duration: time.Duration(warmSecs) * time.Second, Events: int64(min(sent, warmTotal))}
		rep.Warmup = warm
	}
	var acks, lags, warmAcks []time.Duration
	secAcks := make([][]time.Duration, seconds)
	secReplies := make([][]time.Duration, seconds)
	rep.Timeline = make([]Second, seconds)
	for i := range rep.Timeline {
		rep.Timeline[i].At = i - warmSecs
	}
	for _, st := range stats {
		rep.Sent += st.sent
		rep.Acked += st.acked
		rep.Errors += st.errors
		acks = append(acks, st.acks...)
		lags = append(lags, st.lags...)
		if warm != nil {
			warm.Sent += st.warmSent
			warm.Acked += st.warmAcked
			warm.Errors += st.warmErrors
			warmAcks = append(warmAcks, st.warmAcks...)
		}
		for i, a := range st.bySecond {
			secAcks[i] = append(secAcks[i], a...)
		}
		for i, n := range st.sentIn {
			rep.Timeline[i].Sent += n
		}
	}

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
	var lat, warmLat []time.Duration
	for i := 0; i < sent; i++ {
		isWarm := i < warmTotal
		sec := -1
		if !sentAt[i].IsZero() {
			sec = min(int(sentAt[i].Sub(begin)/time.Second), seconds-1)
			rep.Timeline[sec].Events++
		}
		got := replies[threads[i]]
		switch {
		case len(got) == 0:
			rep.Lost++
			if isWarm {
				warm.Lost++
			}
			continue
		case len(got) > 1:
			rep.Duplicates++
			if isWarm {
				warm.Duplicates++
			}
		}
		first := slices.MinFunc(got, func(a, b time.Time) int { return a.Compare(b) })
		d := first.Sub(sentAt[i])
		if isWarm {
			warm.Answered++
			warmLat = append(warmLat, d)
		} else {
			rep.Answered++
			lat = append(lat, d)
		}
		if sec >= 0 {
			secReplies[sec] = append(secReplies[sec], d)
		}
	}
	for i := range rep.Timeline {
		s := &rep.Timeline[i]
		s.Acked = int64(len(secAcks[i]))
		s.AckP99 = percentile(secAcks[i], 99)
		s.Answered = int64(len(secReplies[i]))
		s.ReplyP50, s.ReplyP99 = percentile(secReplies[i], 50), percentile(secReplies[i], 99)
		if n := len(secReplies[i]); n > 0 {
			s.ReplyMax = secReplies[i][n-1] // sorted by percentile
		}
	}
	// Drop the empty seconds at the end.
	for n := len(rep.Timeline); n > 0 && rep.Timeline[n-1].Sent == 0; n-- {
		rep.Timeline = rep.Timeline[:n-1]
	}
	if warm != nil {
		warm.AckP99, warm.ReplyP99 = percentile(warmAcks, 99), percentile(warmLat, 99)
	}
	rep.AckP50, rep.AckP99 = percentile(acks, 50), percentile(acks, 99)
	rep.LagP99 = percentile(lags, 99)
	rep.ReplyP50, rep.ReplyP99 = percentile(lat, 50), percentile(lat, 99)
	return rep, nil
}

// padded formats n in decimal with leading zeros to width digits.
func padded(n, width int) string {
	var b [20]byte
	d := strconv.AppendInt(b[:0], int64(n), 10)
	if len(d) >= width {
		return string(d)
	}
	out := make([]byte, width)
	copy(out[width-len(d):], d)
	for i := range width - len(d) {
		out[i] = '0'
	}
	return string(out)
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

// requestTimeout bounds one request, connect included.
const requestTimeout = 10 * time.Second

// sender posts events to one replica over one keep-alive connection: it
// writes each request in one piece and reads the response with net/http's
// own parser, so the replicas see ordinary HTTP/1.1 requests, signed with a
// fresh timestamp each, at the cost of a write and a read.
type sender struct {
	target *url.URL
	secret []byte
	mac    hash.Hash
	conn   net.Conn
	br     *bufio.Reader
	buf    []byte
	sig    [sha256.Size]byte
}

func newSender(target *url.URL, secret string) *sender {
	return &sender{target: target, secret: []byte(secret), mac: hmac.New(sha256.New, []byte(secret))}
}

func (s *sender) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// post sends one delivery and returns the status code. A connection the
// replica closed while idle is redialled once, as net/http's client does.
func (s *sender) post(ctx context.Context, body []byte, retry int, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	s.mac.Reset()
	s.mac.Write([]byte("v0:" + ts + ":"))
	s.mac.Write(body)
	sig := s.mac.Sum(s.sig[:0])

	b := s.buf[:0]
	b = append(b, "POST /slack/events HTTP/1.1\r\nHost: "...)
	b = append(b, s.target.Host...)
	b = append(b, "\r\nUser-Agent: whoowns-load\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\nX-Slack-Request-Timestamp: "...)
	b = append(b, ts...)
	b = append(b, "\r\nX-Slack-Signature: v0="...)
	b = hex.AppendEncode(b, sig)
	if retry > 0 {
		b = append(b, "\r\nX-Slack-Retry-Num: "...)
		b = strconv.AppendInt(b, int64(retry), 10)
		b = append(b, "\r\nX-Slack-Retry-Reason: http_timeout"...)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	s.buf = b

	for attempt := 0; ; attempt++ {
		reused := s.conn != nil
		code, err := s.roundTrip(ctx, b)
		if err == nil {
			return code, nil
		}
		s.close()
		if !reused || attempt > 0 || ctx.Err() != nil || !errors.Is(err, errIdleClosed) {
			return 0, err
		}
	}
}

// errIdleClosed marks a reused connection that was closed before any of the
// response arrived: the request was not processed and may be sent again.
var errIdleClosed = errors.New("loadgen: connection closed before the response")

// dial opens the sender's connection if it has none.
func (s *sender) dial(ctx context.Context) error {
	if s.conn != nil {
		return nil
	}
	d := net.Dialer{Timeout: requestTimeout}
	c, err := d.DialContext(ctx, "tcp", s.target.Host)
	if err != nil {
		return err
	}
	s.conn = c
	if s.br == nil {
		s.br = bufio.NewReaderSize(c, 4096)
	} else {
		s.br.Reset(c)
	}
	return nil
}

func (s *sender) roundTrip(ctx context.Context, req []byte) (int, error) {
	if err := s.dial(ctx); err != nil {
		return 0, err
	}
	s.conn.SetDeadline(time.Now().Add(requestTimeout))
	if _, err := s.conn.Write(req); err != nil {
		return 0, errIdleClosed
	}
	if _, err := s.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return 0, errIdleClosed
		}
		return 0, err
	}
	resp, err := http.ReadResponse(s.br, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if resp.Close {
		s.close()
	}
	return resp.StatusCode, nil
}

// Sign computes Slack's v0 request signature.
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// appendEventBody appends an app_mention event_callback as Slack sends it.
func appendEventBody(b []byte, team, id, channel, user, question, ts string, eventTime int64) []byte {
	b = append(b, `{"token":"unused","team_id":`...)
	b = appendJSONString(b, team)
	b = append(b, `,"api_app_id":"ALOAD","type":"event_callback","event_id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"event_time":`...)
	b = strconv.AppendInt(b, eventTime, 10)
	b = append(b, `,"event":{"type":"app_mention","user":`...)
	b = appendJSONString(b, user)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, "<@UBOT> "+question)
	b = append(b, `,"ts":`...)
	b = appendJSONString(b, ts)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, channel)
	b = append(b, `,"event_ts":`...)
	b = appendJSONString(b, ts)
	b = append(b, `},"authorizations":[{"team_id":`...)
	b = appendJSONString(b, team)
	b = append(b, `,"user_id":"UBOT","is_bot":true}]}`...)
	return b
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, valid UTF-8 passed through.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
