package redistest

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// RoundTrips is a go-redis hook that counts what goes to Redis: each
// command and each pipeline is one round trip. Add it with
// client.AddHook(&RoundTrips{}).
type RoundTrips struct{ n atomic.Int64 }

// DialHook implements redis.Hook.
func (r *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (r *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.n.Add(1); return next(ctx, cmd) }
}

// ProcessPipelineHook implements redis.Hook.
func (r *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.n.Add(1); return next(ctx, cmds) }
}

// Count returns the round trips so far.
func (r *RoundTrips) Count() int64 { return r.n.Load() }

// Reset starts counting from zero.
func (r *RoundTrips) Reset() { r.n.Store(0) }

var _ redis.Hook = (*RoundTrips)(nil)
