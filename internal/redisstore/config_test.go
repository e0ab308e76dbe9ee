package redisstore_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    redisstore.Config
		wantErr []string // substrings the error must contain
	}{
		{name: "nothing set", env: nil, want: redisstore.Config{}},
		{name: "url", env: map[string]string{"REDIS_URL": "redis://:pw@10.0.0.1:6380/2"}, want: redisstore.Config{URL: "redis://:pw@10.0.0.1:6380/2"}},
		{name: "url tls and password", env: map[string]string{"REDIS_URL": " rediss://cache:6380 ", "REDIS_PASSWORD": "s3cret"}, want: redisstore.Config{URL: "rediss://cache:6380", Password: "s3cret"}},
		{name: "sentinel", env: map[string]string{"REDIS_SENTINEL_ADDRS": "s1:26379, s2:26379,", "REDIS_MASTER_NAME": "mymaster"},
			want: redisstore.Config{SentinelAddrs: []string{"s1:26379", "s2:26379"}, MasterName: "mymaster"}},
		{name: "cluster", env: map[string]string{"REDIS_CLUSTER_ADDRS": "n1:7000,n2:7001,[::1]:7002"},
			want: redisstore.Config{ClusterAddrs: []string{"n1:7000", "n2:7001", "[::1]:7002"}}},
		{name: "bad url scheme", env: map[string]string{"REDIS_URL": "http://x:6379"}, wantErr: []string{"REDIS_URL", "redis://"}},
		{name: "bad db", env: map[string]string{"REDIS_URL": "redis://x:6379/abc"}, wantErr: []string{"REDIS_URL"}},
		{name: "two modes", env: map[string]string{"REDIS_URL": "redis://x:6379", "REDIS_CLUSTER_ADDRS": "n1:7000"}, wantErr: []string{"REDIS_URL", "REDIS_CLUSTER_ADDRS", "only one"}},
		{name: "sentinel without master", env: map[string]string{"REDIS_SENTINEL_ADDRS": "s1:26379"}, wantErr: []string{"REDIS_MASTER_NAME", "REDIS_SENTINEL_ADDRS"}},
		{name: "master without sentinels", env: map[string]string{"REDIS_MASTER_NAME": "mymaster"}, wantErr: []string{"REDIS_SENTINEL_ADDRS"}},
		{name: "addr without port", env: map[string]string{"REDIS_CLUSTER_ADDRS": "n1:7000,n2"}, wantErr: []string{"REDIS_CLUSTER_ADDRS", `"n2"`, "host:port"}},
		{name: "addr with bad port", env: map[string]string{"REDIS_SENTINEL_ADDRS": "s1:99999", "REDIS_MASTER_NAME": "m"}, wantErr: []string{"REDIS_SENTINEL_ADDRS", "s1:99999"}},
		{name: "passwords differ", env: map[string]string{"REDIS_URL": "redis://:a@x:6379", "REDIS_PASSWORD": "b"}, wantErr: []string{"REDIS_PASSWORD", "REDIS_URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := redisstore.ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("ConfigFromEnv = %+v, want an error", got)
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ConfigFromEnv = %+v, %v; want %+v", got, err, tc.want)
			}
			if got.Enabled() != (tc.env != nil) {
				t.Errorf("Enabled() = %v", got.Enabled())
			}
		})
	}
}

func TestNewClientKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  redisstore.Config
		want string
	}{
		{redisstore.Config{URL: "redis://127.0.0.1:6379/3"}, "*redis.Client"},
		{redisstore.Config{SentinelAddrs: []string{"127.0.0.1:26379"}, MasterName: "m"}, "*redis.Client"},
		{redisstore.Config{ClusterAddrs: []string{"127.0.0.1:7000"}}, "*redis.ClusterClient"},
	} {
		c, err := tc.cfg.NewClient()
		if err != nil {
			t.Fatalf("%+v: %v", tc.cfg, err)
		}
		if got := fmt.Sprintf("%T", c); got != tc.want {
			t.Errorf("%+v made a %s, want %s", tc.cfg, got, tc.want)
		}
		if cl, ok := c.(*redis.Client); ok && tc.cfg.URL != "" {
			o := cl.Options()
			if o.DB != 3 || o.DialTimeout != redisstore.DefaultDialTimeout || o.ReadTimeout != redisstore.DefaultReadTimeout || !o.ContextTimeoutEnabled || o.MaxRetries != 1 {
				t.Errorf("options: db %d dial %v read %v ctx %v retries %d", o.DB, o.DialTimeout, o.ReadTimeout, o.ContextTimeoutEnabled, o.MaxRetries)
			}
		}
		_ = c.Close()
	}
	if _, err := (redisstore.Config{}).NewClient(); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("NewClient of zero Config = %v, want an error naming REDIS_URL", err)
	}
	if _, err := (redisstore.Config{URL: "redis://x", ReadTimeout: -time.Second}).NewClient(); err == nil {
		t.Error("negative timeout accepted")
	}
}

// TestOpenFromURL: Open with a URL (including the db number) reaches the
// server and owns the client it made.
func TestOpenFromURL(t *testing.T) {
	t.Parallel()
	s, err := redisstore.Open(redisstore.Config{URL: redistest.URL(t)}, redisstore.WithPrefix(redistest.Prefix(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Client().Ping(context.Background()).Err(); err == nil {
		t.Error("Close left the client Open made open")
	}
}
