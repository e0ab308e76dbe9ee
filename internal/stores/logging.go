package stores

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// redisLogger sends go-redis's internal messages (dial failures, pool
// notices) to slog at debug level: the store already turns every failure
// into a clear error, and the library's own lines would otherwise go to
// stderr unstructured, once per failed dial.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

// RouteRedisLogs directs go-redis's process-wide logger to log.
func RouteRedisLogs(log *slog.Logger) { redis.SetLogger(redisLogger{log: log}) }
