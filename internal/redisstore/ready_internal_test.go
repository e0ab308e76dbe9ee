package redisstore

import "testing"

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
