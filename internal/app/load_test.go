package app

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/loadgen"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/sample"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/stores"
)

// TestLoadAcrossReplicasLosesAndDuplicatesNothing drives two replicas that
// share one Redis with the load generator, a fifth of the events delivered
// twice (to the other replica, racing or late): every event must be
// answered exactly once. Speed is measured by `whoowns load`, not here.
func TestLoadAcrossReplicasLosesAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	client, prefix := redistest.Client(t)
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	api := loadgen.NewFakeAPI()
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)

	seed := redisstore.New(client, redisstore.WithPrefix(prefix))
	d, _ := sample.Directory(stores.KnownIntents(cat))
	if _, _, err := seed.Update(context.Background(), "slack:TLOAD", func(dst *ownership.Directory) ([]ownership.Change, error) {
		return dirfile.Replace(dst, d, ownership.Person{ID: "test"}, time.Now(), "sample"), nil
	}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var targets []string
	done := make(chan error, 2)
	for i := 0; i < 2; i++ {
		a, err := New(Config{
			Store: redisstore.New(client, redisstore.WithPrefix(prefix)),
			Slack: &slack.Config{BotToken: "xoxb-load", SigningSecret: "secret", APIURL: apiSrv.URL + "/api/"},
		})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, "http://"+ln.Addr().String())
		go func() { done <- a.Serve(ctx, ln) }()
	}
	rep, err := loadgen.Run(context.Background(), loadgen.Options{
		Targets: targets, SigningSecret: "secret", TeamID: "TLOAD", Rate: 200, Duration: time.Second, Warmup: time.Second,
		Redeliver: 0.2, Unknown: 0.1, Drain: 20 * time.Second, Senders: 16, API: api, Catalogue: cat, Seed: 7,
	})
	cancel()
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.Events != 200 || rep.Redeliveries == 0 || rep.Errors != 0 || rep.Lost != 0 || rep.Duplicates != 0 || rep.Answered != rep.Events {
		t.Fatalf("want every event answered once:\n%s", rep)
	}
	// The warm-up is sent and checked the same way, and reported apart.
	w := rep.Warmup
	if w == nil || w.Events != 200 || w.Answered != 200 || w.Errors != 0 || w.Acked < 200 || w.Lost != 0 || w.Duplicates != 0 {
		t.Fatalf("warm-up = %+v", w)
	}
	var events int64
	for _, s := range rep.Timeline {
		events += s.Events
	}
	if events != 400 || len(rep.Timeline) < 2 || rep.Timeline[0].At != -1 || rep.Timeline[1].At != 0 {
		t.Fatalf("timeline holds %d events, want 400, warm-up second first:\n%s", events, rep.TimelineString())
	}
}
