package teams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/core"
	"github.com/infracloudio/msbotbuilder-go/schema"
)

// TestConnectorFillsTheLibraryClientSeam: core.BotFrameworkAdapter's
// outbound calls go through our Connector (token cached and checked,
// retries, timeouts) when it fills the adapter's Client field.
func TestConnectorFillsTheLibraryClientSeam(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, status(503), status(200))
	c, waits := connectorFor(f, time.Now, nil)
	bf := &core.BotFrameworkAdapter{Client: c}
	act := schema.Activity{Type: schema.Message, ID: "42", ServiceURL: f.srv.URL, Text: "edited",
		Conversation: schema.ConversationAccount{ID: "19:c@thread.tacv2"}}
	if err := bf.UpdateActivity(context.Background(), act); err != nil {
		t.Fatalf("UpdateActivity through the seam: %v", err)
	}
	if got := f.calls.Load(); got != 2 || len(*waits) != 1 {
		t.Errorf("calls %d, waits %v: want one retry after the 503", got, *waits)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.auths {
		if !strings.HasPrefix(a, "Bearer ") || len(a) < len("Bearer x") {
			t.Errorf("call without a token: %q", a)
		}
	}
}
