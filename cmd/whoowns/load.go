package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/loadgen"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/sample"
	"github.com/whoowns/whoowns/internal/stores"
)

func runLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "load", "load [--replicas 3 | --targets URL,…] [--rate 2000] [--duration 60s]")
	replicas := fs.Int("replicas", 3, "start this many 'whoowns serve' processes on loopback ports, at least 1 (needs REDIS_URL when more than 1)")
	targets := fs.String("targets", "", "comma-separated base URLs of running serve processes instead of starting them; they must use --api-addr as SLACK_API_URL and --secret as SLACK_SIGNING_SECRET")
	rate := fs.Int("rate", 2000, "events per second")
	duration := fs.Duration("duration", 60*time.Second, "how long to send and measure")
	warmup := fs.Duration("warmup", 2*time.Second, "send at the same rate for this long first, in whole seconds, and report it apart from the measured figures (0: none)")
	redeliver := fs.Float64("redeliver", 0.2, "share of events delivered twice (X-Slack-Retry-Num)")
	unknown := fs.Float64("unknown", 0.1, "share of out-of-scope questions")
	apiAddr := fs.String("api-addr", "127.0.0.1:0", "listen address of the fake Slack Web API")
	secret := fs.String("secret", "", "Slack signing secret shared with the replicas (random when starting them)")
	team := fs.String("team", "TLOAD", "Slack team id of the simulated workspace")
	drain := fs.Duration("drain", 10*time.Second, "how long to wait for the last answers")
	senders := fs.Int("senders", loadgen.DefaultSenders, "concurrent HTTP senders, spread over the replicas (one keep-alive connection each)")
	procs := fs.Int("replica-procs", 0, "GOMAXPROCS of each started replica; 0: the machine's cores shared among the replicas (at least 1), unless GOMAXPROCS is set")
	var replicaEnv []string
	fs.Func("replica-env", "extra `KEY=VALUE` for the started replicas (repeatable), e.g. GOGC=200 or WHOOWNS_WORKERS=16", func(v string) error {
		if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		replicaEnv = append(replicaEnv, v)
		return nil
	})
	asJSON := fs.Bool("json", false, "print the report as JSON (with a per-second timeline)")
	timeline := fs.Bool("timeline", false, "also print a line per second: deliveries, ack p99, reply p50/p99/max")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the generator and fake API (this process) while sending")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("load takes no arguments; got %q", pos)
	}
	if *rate <= 0 || *duration <= 0 || *redeliver < 0 || *redeliver > 1 || *unknown < 0 || *unknown > 1 || *procs < 0 {
		return usagef("--rate and --duration must be positive; --redeliver and --unknown are shares between 0 and 1; --replica-procs is not negative")
	}
	if *targets == "" && *replicas < 1 {
		return usagef("--replicas must be at least 1 (got %d), or give --targets to load running replicas", *replicas)
	}
	if *senders < 1 {
		return usagef("--senders must be at least 1 (got %d)", *senders)
	}
	if *warmup < 0 || *warmup%time.Second != 0 {
		return usagef("--warmup must be whole seconds, like 2s, or 0 for none; got %s", *warmup)
	}
	redisCfg, err := redisstore.ConfigFromEnv(e.getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	if *targets == "" && *replicas > 1 && !redisCfg.Enabled() {
		return usagef("%d replicas need a shared Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0), or use --replicas 1", *replicas)
	}
	if *secret == "" {
		if *targets != "" {
			return usagef("--targets needs --secret, the SLACK_SIGNING_SECRET those replicas use")
		}
		b := make([]byte, 16)
		rand.Read(b)
		*secret = hex.EncodeToString(b)
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	tenant := ownership.TenantID("slack:" + *team)
	if redisCfg.Enabled() {
		if err := seedTenant(ctx, redisCfg, cat, tenant); err != nil {
			return err
		}
	}

	api := loadgen.NewFakeAPI()
	ln, err := net.Listen("tcp", *apiAddr)
	if err != nil {
		return fmt.Errorf("fake Slack API on %s: %w", *apiAddr, err)
	}
	// The fake's own keep-alive server costs the shared cores about half
	// of what net/http's would per reply.
	go api.Serve(ln)
	defer api.Close()
	apiURL := "http://" + ln.Addr().String() + "/api/"
	fmt.Fprintf(e.stderr, "fake Slack Web API at %s\n", apiURL)

	var urls []string
	if *targets != "" {
		for _, t := range strings.Split(*targets, ",") {
			if t = strings.TrimRight(strings.TrimSpace(t), "/"); t != "" {
				urls = append(urls, t)
			}
		}
	} else {
		// Replicas on one machine share its cores: each gets its share as
		// GOMAXPROCS, as a container's CPU limit would give it, so that the
		// schedulers do not all spin up threads for cores they cannot have.
		if *procs == 0 && e.getenv("GOMAXPROCS") == "" {
			*procs = max(1, runtime.NumCPU() / *replicas)
		}
		if *procs > 0 {
			replicaEnv = append([]string{"GOMAXPROCS=" + strconv.Itoa(*procs)}, replicaEnv...)
		}
		stop, started, err := startReplicas(ctx, e, *replicas, apiURL, *secret, replicaEnv)
		defer stop()
		if err != nil {
			return err
		}
		urls = started
	}
	fmt.Fprintf(e.stderr, "sending %d events/s for %s after a %s warm-up to %s (replica env %v)\n", *rate, *duration, *warmup, strings.Join(urls, ", "), replicaEnv)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := loadgen.Run(ctx, loadgen.Options{
		Targets: urls, SigningSecret: *secret, TeamID: *team, Rate: *rate, Duration: *duration, Warmup: *warmup,
		Redeliver: *redeliver, Unknown: *unknown, Drain: *drain, Senders: *senders, API: api, Catalogue: cat,
		Seed: uint64(time.Now().UnixNano()),
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(rep)
	}
	fmt.Fprintln(e.stdout, rep.String())
	if *timeline {
		fmt.Fprint(e.stdout, "\n"+rep.TimelineString())
	}
	if rep.Lost > 0 || rep.Duplicates > 0 {
		return fmt.Errorf("%d events lost, %d answered twice", rep.Lost, rep.Duplicates)
	}
	return nil
}

// seedTenant loads the sample teams into the simulated workspace so its
// questions resolve to people.
func seedTenant(ctx context.Context, cfg redisstore.Config, cat *intent.Catalogue, tenant ownership.TenantID) error {
	st, err := stores.Open(ctx, cfg, cat)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := sample.Directory(stores.KnownIntents(cat))
	if err != nil {
		return err
	}
	_, _, err = st.Update(ctx, tenant, func(dst *ownership.Directory) ([]ownership.Change, error) {
		if len(dst.Teams) > 0 {
			return nil, nil
		}
		return dirfile.Replace(dst, d, ownership.Person{ID: "load", Name: "whoowns load"}, time.Now().UTC(), "sample"), nil
	})
	if err != nil {
		return fmt.Errorf("seeding %s: %s", tenant, ownership.ErrorMessage(err))
	}
	return nil
}

// startReplicas runs n `whoowns serve` processes of this binary on free
// loopback ports and waits until each is ready.
func startReplicas(ctx context.Context, e *env, n int, apiURL, secret string, extraEnv []string) (stop func(), urls []string, err error) {
	self, err := os.Executable()
	if err != nil {
		return func() {}, nil, err
	}
	var cmds []*exec.Cmd
	stop = func() {
		for _, c := range cmds {
			c.Process.Signal(os.Interrupt)
		}
		for _, c := range cmds {
			c.Wait()
		}
	}
	for i := 0; i < n; i++ {
		port, err := freePort()
		if err != nil {
			return stop, nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		c := exec.Command(self, "serve")
		c.Env = append(os.Environ(),
			"WHOOWNS_ADDR="+addr, "SLACK_BOT_TOKEN=xoxb-load", "SLACK_SIGNING_SECRET="+secret, "SLACK_API_URL="+apiURL,
			"WHOOWNS_RATE_QUESTIONS=0", "WHOOWNS_RATE_COMMANDS=0", "WHOOWNS_LOG_LEVEL=warn", "WHOOWNS_LOG_FORMAT=text")
		c.Env = append(c.Env, extraEnv...)
		c.Stdout, c.Stderr = e.stderr, e.stderr
		if err := c.Start(); err != nil {
			return stop, nil, err
		}
		cmds = append(cmds, c)
		urls = append(urls, "http://"+addr)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, u := range urls {
		for {
			resp, err := http.Get(u + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return stop, nil, fmt.Errorf("replica %s did not become ready", u)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return stop, urls, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
