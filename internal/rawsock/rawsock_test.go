package rawsock

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// tcpPair is two ends of a loopback TCP connection, both wrapped.
func tcpPair(t testing.TB) (c1, c2 net.Conn) {
	t.Helper()
	ln, err := nettest.NewLocalListener("tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ln = Listener(ln)
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	d, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		t.Fatal(a.err)
	}
	return Wrap(d), a.c
}

func wantWrapped(t *testing.T, c net.Conn) {
	t.Helper()
	_, raw := c.(*Conn)
	if raw != supported {
		t.Fatalf("%T on %s: wrapped %v, want %v", c, runtime.GOOS, raw, supported)
	}
}

// TestConnConformance runs x/net's conformance tests for net.Conn
// implementations: reads and writes, concurrent use, deadlines in the
// past, present and future, and closing while blocked.
func TestConnConformance(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		c1, c2 = tcpPair(t)
		wantWrapped(t, c1)
		wantWrapped(t, c2)
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

func TestWrapLeavesOtherConns(t *testing.T) {
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	if Wrap(p1) != p1 {
		t.Fatal("a pipe was wrapped")
	}
}

// TestLargeWrite writes more than the socket buffers hold to a reader that
// starts late, so the write meets EAGAIN and partial writes on the way.
func TestLargeWrite(t *testing.T) {
	c1, c2 := tcpPair(t)
	defer c1.Close()
	defer c2.Close()
	const size = 32 << 20
	src := make([]byte, size)
	for i := range src {
		src[i] = byte(i * 7)
	}
	done := make(chan error, 1)
	go func() {
		n, err := c1.Write(src)
		if err == nil && n != size {
			err = io.ErrShortWrite
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the write fill the buffers and wait
	got, err := io.ReadAll(io.LimitReader(c2, size))
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(got) != size {
		t.Fatalf("read %d bytes, want %d", len(got), size)
	}
	for i := range got {
		if got[i] != src[i] {
			t.Fatalf("byte %d is %d, want %d", i, got[i], src[i])
		}
	}
}

// TestErrors: the errors callers tell apart come out as package net's.
func TestErrors(t *testing.T) {
	t.Run("eof", func(t *testing.T) {
		c1, c2 := tcpPair(t)
		defer c2.Close()
		if _, err := c1.Write([]byte("bye")); err != nil {
			t.Fatal(err)
		}
		c1.Close()
		got, err := io.ReadAll(c2)
		if err != nil || string(got) != "bye" {
			t.Fatalf("ReadAll = %q, %v; want \"bye\", nil", got, err)
		}
		if n, err := c2.Read(make([]byte, 8)); n != 0 || err != io.EOF {
			t.Fatalf("Read after the end = %d, %v; want 0, io.EOF", n, err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		c1, c2 := tcpPair(t)
		defer c1.Close()
		defer c2.Close()
		if err := c2.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		_, err := c2.Read(make([]byte, 8))
		var oe *net.OpError
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &oe) || oe.Op != "read" || !oe.Timeout() {
			t.Fatalf("Read past the deadline: %#v", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		c1, c2 := tcpPair(t)
		defer c2.Close()
		c1.Close()
		if _, err := c1.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Read on a closed conn: %v", err)
		}
		if _, err := c1.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Write on a closed conn: %v", err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		c1, c2 := tcpPair(t)
		defer c1.Close()
		// An abortive close: the peer answers the next bytes with RST.
		if err := c2.(interface{ SetLinger(int) error }).SetLinger(0); err != nil {
			t.Fatal(err)
		}
		c2.Close()
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			_, err = c1.Write(make([]byte, 1<<10))
			time.Sleep(time.Millisecond)
		}
		var oe *net.OpError
		if !errors.As(err, &oe) || oe.Op != "write" || !(errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)) {
			t.Fatalf("Write to a reset conn: %#v", err)
		}
	})
}

// TestCloseWrite: the TCP connection's other methods are still there.
func TestCloseWrite(t *testing.T) {
	c1, c2 := tcpPair(t)
	defer c1.Close()
	defer c2.Close()
	cw, ok := c1.(interface{ CloseWrite() error })
	if !ok {
		t.Fatalf("%T has no CloseWrite", c1)
	}
	if _, err := c1.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c2)
	if err != nil || string(got) != "half" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if _, err := c2.Write([]byte("back")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c1, buf); err != nil || string(buf) != "back" {
		t.Fatalf("read after CloseWrite = %q, %v", buf, err)
	}
}

func BenchmarkPingPong(b *testing.B) {
	for _, raw := range []bool{false, true} {
		name := "net"
		if raw {
			name = "raw"
		}
		b.Run(name, func(b *testing.B) {
			c1, c2 := tcpPair(b)
			if !raw {
				c1, c2 = c1.(*Conn).TCPConn, c2.(*Conn).TCPConn
			}
			defer c1.Close()
			defer c2.Close()
			go func() {
				buf := make([]byte, 64)
				for {
					n, err := c2.Read(buf)
					if err != nil {
						return
					}
					if _, err := c2.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
			msg := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c1.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c1, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestDialContext(t *testing.T) {
	ln, err := nettest.NewLocalListener("tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := DialContext(&net.Dialer{})(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wantWrapped(t, c)
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hi" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if _, err := DialContext(&net.Dialer{})(t.Context(), "tcp", "127.0.0.1:1"); err == nil {
		t.Fatal("dialing a closed port succeeded")
	}
}

// TestHandOffOrdersMemory: what a goroutine wrote before sending bytes is
// seen by the goroutine that received them, from a raw end to a net end
// and back (under the race detector, a missing edge fails the test).
func TestHandOffOrdersMemory(t *testing.T) {
	c1, c2 := tcpPair(t)
	defer c1.Close()
	defer c2.Close()
	raw, plain := c1, c2.(*Conn).TCPConn
	var shared int
	done := make(chan struct{})
	go func() { // the net end: check, change, answer
		defer close(done)
		buf := make([]byte, 1)
		for i := 0; i < 100; i++ {
			if _, err := io.ReadFull(plain, buf); err != nil {
				t.Error(err)
				return
			}
			if shared != 2*i+1 {
				t.Errorf("net end saw %d, want %d", shared, 2*i+1)
			}
			shared++
			if _, err := plain.Write(buf); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	buf := make([]byte, 1)
	for i := 0; i < 100; i++ { // the raw end: change, send, wait, check
		shared++
		if _, err := raw.Write(buf); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(raw, buf); err != nil {
			t.Fatal(err)
		}
		if shared != 2*i+2 {
			t.Fatalf("raw end saw %d, want %d", shared, 2*i+2)
		}
	}
	<-done
}
