package redisstore

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRecentConnSkipsCheck: the pool's check is skipped for a connection
// on which data arrived within RecentReplyWindow, and made as before on
// one that never answered or has been quiet for longer.
func TestRecentConnSkipsCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		s, err := ln.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		s.Write([]byte("+PONG\r\n"))
		time.Sleep(time.Second)
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c, ok := withRecentCheck(raw).(*recentConn)
	if !ok {
		t.Fatalf("a TCP connection is not wrapped: %T", withRecentCheck(raw))
	}
	isQuiet := func() bool {
		rc, err := c.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		_, q := rc.(quietRawConn)
		return q
	}
	if isQuiet() {
		t.Fatal("a connection that never answered skips the check")
	}
	buf := make([]byte, 16)
	if _, err := c.Read(buf); err != nil {
		t.Fatal(err)
	}
	if !isQuiet() {
		t.Fatal("a connection that just answered is checked")
	}
	time.Sleep(RecentReplyWindow + 10*time.Millisecond)
	if isQuiet() {
		t.Fatalf("a connection quiet for %s skips the check", RecentReplyWindow)
	}
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	if _, wrapped := withRecentCheck(p1).(*recentConn); wrapped {
		t.Error("a connection without a descriptor is wrapped")
	}
}

// TestServerClosedConnection: a server that closes a connection right
// after its reply (killed, restarted, CLIENT KILL) costs the next command
// nothing, whether it comes within RecentReplyWindow, when the pool does
// not check the connection and go-redis sends the command again on a new
// one, or later, when the check finds the connection closed.
func TestServerClosedConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var dials, pings atomic.Int64
	go func() {
		for {
			s, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			go func(s net.Conn) {
				defer s.Close()
				r := bufio.NewReader(s)
				for {
					// One command of RESP arrays: *N, then N times $len and the bulk.
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					var args []string
					if n := 0; strings.HasPrefix(line, "*") {
						for _, ch := range strings.TrimSpace(line[1:]) {
							n = n*10 + int(ch-'0')
						}
						for i := 0; i < n; i++ {
							r.ReadString('\n')
							a, _ := r.ReadString('\n')
							args = append(args, strings.ToUpper(strings.TrimSpace(a)))
						}
					}
					switch {
					case len(args) > 0 && args[0] == "PING":
						pings.Add(1)
						s.Write([]byte("+PONG\r\n"))
						return // close right after the reply
					case len(args) > 0 && args[0] == "HELLO":
						s.Write([]byte("-ERR unknown command 'HELLO'\r\n"))
					default:
						s.Write([]byte("+OK\r\n"))
					}
				}
			}(s)
		}
	}()
	cl, err := Config{URL: "redis://" + ln.Addr().String()}.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	if err := cl.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // the close reaches the client; still within the window
	if err := cl.Ping(ctx).Err(); err != nil {
		t.Fatalf("a command right after the server closed the connection: %v", err)
	}
	time.Sleep(RecentReplyWindow + 20*time.Millisecond)
	if err := cl.Ping(ctx).Err(); err != nil {
		t.Fatalf("a command on a connection closed while idle: %v", err)
	}
	if d, p := dials.Load(), pings.Load(); d != 3 || p != 3 {
		t.Errorf("%d connections, %d PINGs answered; want 3 and 3", d, p)
	}
}
