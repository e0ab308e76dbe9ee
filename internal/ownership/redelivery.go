package ownership

import "context"

type redeliveryKey struct{}

// WithRedelivery marks ctx as carrying a delivery the platform says it
// sent before (Slack's X-Slack-Retry-Num). A store that cannot check the
// claim of such a delivery may then prefer silence to a second reply
// under an answer that was probably already given.
func WithRedelivery(ctx context.Context) context.Context {
	return context.WithValue(ctx, redeliveryKey{}, true)
}

// IsRedelivery reports whether ctx was marked by WithRedelivery.
func IsRedelivery(ctx context.Context) bool {
	v, _ := ctx.Value(redeliveryKey{}).(bool)
	return v
}
