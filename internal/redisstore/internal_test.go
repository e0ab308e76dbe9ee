package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
)

// TestSlotTags checks the key-to-slot hash against the reference value in
// the Redis Cluster specification, and that tagForSlot finds a tag for
// the first, last and some middle slot.
func TestSlotTags(t *testing.T) {
	if got := crc16([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("crc16(123456789) = %#x, want 0x31c3", got)
	}
	for _, slot := range []int{0, 1, 5461, 10923, 16383} {
		if got := int(crc16([]byte(tagForSlot(slot))) % 16384); got != slot {
			t.Errorf("tagForSlot(%d) = %q, which hashes to %d", slot, tagForSlot(slot), got)
		}
	}
}

// TestNotExecuted pins which failures are re-sent after a slot reload:
// only those that prove the command did not run.
func TestNotExecuted(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, err := range []error{
		dial,
		&fastFailError{cause: dial},
		fmt.Errorf("wrapped: %w", dial),
		errors.New("MOVED 3999 127.0.0.1:6381"),
		errors.New("ASK 3999 127.0.0.1:6381"),
		errors.New("TRYAGAIN Multiple keys request during rehashing of slot"),
		errors.New("CLUSTERDOWN The cluster is down"),
		errors.New("READONLY You can't write against a read only replica."),
		errors.New("LOADING Redis is loading the dataset in memory"),
		errors.New("MASTERDOWN Link with MASTER is down"),
	} {
		if !notExecuted(err) {
			t.Errorf("notExecuted(%v) = false, want true", err)
		}
	}
	for _, err := range []error{
		nil,
		io.EOF, // the command may have run before the connection broke
		&net.OpError{Op: "read", Net: "tcp", Err: errors.New("i/o timeout")},
		context.DeadlineExceeded,
		errors.New("ERR wrong number of arguments"),
	} {
		if notExecuted(err) {
			t.Errorf("notExecuted(%v) = true, want false", err)
		}
	}
}
