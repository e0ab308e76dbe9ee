package bot

import (
	"context"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// confirmTimeout bounds the second Update that learns whether a change whose
// store reply was lost stands, even when the first used up the caller's ctx.
const confirmTimeout = 5 * time.Second

// requestID names the change a message asks for, unique within its tenant:
// the delivery id within its conversation. "" when the transport gave no id.
func requestID(m Message) string {
	if m.ID == "" {
		return ""
	}
	return m.Platform + ":" + m.Channel.ID + ":" + m.ID
}

// updateOnce runs a change under the message's request id, so that it is
// made at most once however often the message is delivered or the update
// retried. When the store could not be reached, the reply may have been
// lost after the change was stored: the same request is sent once more,
// which returns the recorded changes if it was (fn does not run again and
// its results stay those of the stored run), and makes it now if not.
func updateOnce(ctx context.Context, st ownership.Store, m Message, fn func(*ownership.Directory) ([]ownership.Change, error)) (*ownership.Directory, []ownership.Change, error) {
	id := requestID(m)
	if id == "" {
		return st.Update(ctx, m.Tenant, fn)
	}
	d, changes, err := st.Update(ctx, m.Tenant, fn, ownership.WithRequestID(id))
	if ownership.ErrorCode(err) != ownership.ErrUnavailable {
		return d, changes, err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), confirmTimeout)
	defer cancel()
	d2, changes2, err2 := st.Update(cctx, m.Tenant, fn, ownership.WithRequestID(id))
	if err2 != nil {
		return d, changes, err // the first failure is what the user is told
	}
	return d2, changes2, nil
}
