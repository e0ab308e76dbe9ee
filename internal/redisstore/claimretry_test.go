package redisstore_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
)

// replyLosingProxy forwards Redis connections to addr and, once armed,
// lets the next command that contains marker reach the server but closes
// the client's connection instead of passing on its reply, as a
// connection lost after the server ran a command does.
type replyLosingProxy struct {
	ln     net.Listener
	addr   string
	marker []byte
	armed  atomic.Bool
	lost   atomic.Int64
	wg     sync.WaitGroup
}

func newReplyLosingProxy(t *testing.T, addr string, marker string) *replyLosingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &replyLosingProxy{ln: ln, addr: addr, marker: []byte(marker)}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *replyLosingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.addr)
		if err != nil {
			c.Close()
			continue
		}
		var drop atomic.Bool // the command of interest went through on this connection
		p.wg.Add(2)
		go func() { // client → server
			defer p.wg.Done()
			defer s.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if bytes.Contains(bytes.ToLower(buf[:n]), p.marker) && p.armed.CompareAndSwap(true, false) {
						drop.Store(true)
					}
					if _, werr := s.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
		go func() { // server → client
			defer p.wg.Done()
			defer c.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := s.Read(buf)
				if n > 0 && drop.Load() {
					p.lost.Add(1)
					return // the reply is lost with the connection
				}
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// openLosingReplies opens a store on miniredis through a proxy that, when
// armed, drops the reply to the next script call with its connection.
func openLosingReplies(t *testing.T) (*redisstore.Store, *replyLosingProxy) {
	t.Helper()
	m := redistest.Miniredis(t)
	p := newReplyLosingProxy(t, m.Addr(), "evalsha")
	s, err := redisstore.Open(redisstore.Config{URL: "redis://" + p.ln.Addr().String()}, redisstore.WithPrefix("lost"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.LoadScripts(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, p
}

// TestClaimDirectoryReplyLost: the claim script runs on the server and
// its reply is lost with the connection. go-redis sends the command once
// more on a new connection; that attempt finds the claims this call made
// and answers as the first would have: claimed, with the directory. A
// second delivery of the same event still finds them taken.
func TestClaimDirectoryReplyLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p := openLosingReplies(t)
	if _, _, err := s.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["core"] = &ownership.Team{ID: "core", Name: "Core"}
		return []ownership.Change{{Action: "set"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	p.armed.Store(true)
	d, claimed, err := s.ClaimDirectory(ctx, "slack:T1", time.Minute, "ev:Ev1", "msg:C1:1.0")
	if err != nil {
		t.Fatal(err)
	}
	if p.lost.Load() != 1 {
		t.Fatalf("%d replies lost, want 1: the test did not lose the claim's reply", p.lost.Load())
	}
	if !claimed || d == nil || d.Teams["core"] == nil {
		t.Fatalf("after a lost reply: claimed %v, directory %v; want claimed with the directory", claimed, d)
	}
	if _, again, err := s.ClaimDirectory(ctx, "slack:T1", time.Minute, "ev:Ev1", "msg:C1:1.0"); err != nil || again {
		t.Fatalf("a redelivery claimed %v (%v), want false", again, err)
	}
	if _, other, err := s.ClaimDirectory(ctx, "slack:T1", time.Minute, "ev:Ev2", "msg:C1:1.0"); err != nil || other {
		t.Fatalf("another event for the same message claimed %v (%v), want false", other, err)
	}
	if _, fresh, err := s.ClaimDirectory(ctx, "slack:T1", time.Minute, "ev:Ev3", "msg:C1:3.0"); err != nil || !fresh {
		t.Fatalf("a new event claimed %v (%v), want true", fresh, err)
	}
}

// TestClaimReplyLost: the same for Claim and ClaimAll.
func TestClaimReplyLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p := openLosingReplies(t)
	for _, keys := range [][]string{{"one"}, {"a", "b"}} {
		p.armed.Store(true)
		lost := p.lost.Load()
		first, err := s.ClaimAll(ctx, time.Minute, keys...)
		if err != nil {
			t.Fatal(err)
		}
		if p.lost.Load() != lost+1 {
			t.Fatalf("%v: the test did not lose the claim's reply", keys)
		}
		if !first {
			t.Errorf("%v: after a lost reply the claim reports the keys taken", keys)
		}
		if again, err := s.ClaimAll(ctx, time.Minute, keys...); err != nil || again {
			t.Errorf("%v: claimed again: %v (%v)", keys, again, err)
		}
	}
}
