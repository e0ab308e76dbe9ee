package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// ackTimeout bounds handing an ack to the socket writer; a dead connection
// must not stall the reader.
const ackTimeout = 5 * time.Second

// runSocketMode receives events over Socket Mode until ctx ends. slack-go's
// client reconnects by itself when Slack asks it to or the connection drops;
// it gives up only on errors such as a revoked token, and then this loop
// starts it again with backoff, so a fixed token or a Slack outage heals
// without a restart.
func (a *Adapter) runSocketMode(ctx context.Context) {
	client := socketmode.New(a.api, socketmode.OptionLog(slogWriter{a.log}))
	var backoff atomic.Int64
	backoff.Store(int64(time.Second))
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			err := client.RunContext(ctx)
			if ctx.Err() != nil {
				return
			}
			wait := time.Duration(backoff.Load())
			a.log.Error("slack: socket mode stopped; starting it again", "err", err, "in", wait)
			if sleepCtx(ctx, wait) != nil {
				return
			}
			backoff.Store(int64(min(2*wait, time.Minute)))
		}
	})
	// Slash commands answer in their ack, so they run beside the reader;
	// the semaphore bounds how many at once.
	cmds := make(chan struct{}, a.cfg.Workers)
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-client.Events:
			if evt.Type == socketmode.EventTypeConnected {
				backoff.Store(int64(time.Second))
			}
			a.onSocketEvent(ctx, client, evt, cmds, &wg)
		}
	}
}

func (a *Adapter) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event, cmds chan struct{}, wg *sync.WaitGroup) {
	switch evt.Type {
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive:
		a.onEnvelope(ctx, client, evt.Request)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slackapi.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		req := evt.Request
		select {
		case cmds <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Go(func() {
			defer func() { <-cmds }()
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commandTimeout)
			defer cancel()
			if resp := a.runSlashCommand(cctx, cmd); resp != nil {
				a.ack(ctx, client, req.EnvelopeID, resp)
			} else {
				a.ack(ctx, client, req.EnvelopeID, nil)
			}
		})
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse the payload (an event type it does not
		// know, say). Ack it anyway, or Slack would send it again and again,
		// and process what we can from the raw envelope.
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		if !ok {
			return
		}
		var req socketmode.Request
		if err := json.Unmarshal(bad.Message, &req); err != nil || req.EnvelopeID == "" {
			a.log.Warn("slack: unreadable socket message", "err", bad.Cause)
			return
		}
		a.onEnvelope(ctx, client, &req)
	case socketmode.EventTypeConnected:
		a.log.Info("slack: socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack: socket mode trouble", "type", evt.Type, "data", evt.Data)
	default:
		a.log.Debug("slack: socket mode event", "type", evt.Type)
	}
}

// onEnvelope acks an Events API or interactive envelope, then queues its
// payload for the same handling the HTTP endpoints give it.
func (a *Adapter) onEnvelope(ctx context.Context, client *socketmode.Client, req *socketmode.Request) {
	if req == nil {
		return
	}
	if req.Type == socketmode.RequestTypeInteractive && isBlockSuggestion(req.Payload) {
		// The ack carries the options.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commandTimeout)
		defer cancel()
		opts, err := a.blockSuggestion(sctx, req.Payload)
		if err != nil {
			a.ack(ctx, client, req.EnvelopeID, nil)
			return
		}
		a.ack(ctx, client, req.EnvelopeID, opts)
		return
	}
	if req.Type == socketmode.RequestTypeInteractive && isViewSubmission(req.Payload) {
		// The ack carries the answer: field errors, or nothing to close.
		vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commandTimeout)
		defer cancel()
		resp, err := a.viewSubmission(vctx, req.Payload)
		if err != nil || resp == nil {
			a.ack(ctx, client, req.EnvelopeID, nil)
			return
		}
		a.ack(ctx, client, req.EnvelopeID, resp)
		return
	}
	a.ack(ctx, client, req.EnvelopeID, nil)
	var j job
	switch req.Type {
	case socketmode.RequestTypeEventsAPI:
		var outer struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(req.Payload, &outer)
		j = a.eventJob(req.Payload, outer.EventID, req.RetryAttempt)
	case socketmode.RequestTypeInteractive:
		var err error
		if j, err = a.interactionJob(req.Payload); err != nil {
			a.log.Warn("slack: malformed interaction", "err", err)
			return
		}
	default:
		return
	}
	if !a.enqueueWait(ctx, j) {
		a.log.Error("slack: shutting down; acknowledged event not handled", "delivery", j.id)
	}
}

func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, envelopeID string, payload any) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := client.AckCtx(actx, envelopeID, payload); err != nil {
		a.log.Error("slack: socket mode ack failed; Slack will redeliver", "envelope", envelopeID, "err", err)
	}
}

// slogWriter routes slack-go's socket mode log lines into slog at debug
// level; the adapter logs what matters itself.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Output(_ int, s string) error {
	w.log.Debug("slack-go: " + strings.TrimSpace(s))
	return nil
}
