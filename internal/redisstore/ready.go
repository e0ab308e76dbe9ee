package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReadyTimeout bounds Ready when the caller's context allows longer.
const ReadyTimeout = 500 * time.Millisecond

// Ready reports whether answers can be read now, by doing what an answer
// does: a keyed read on the master that owns the key. A Ping would be
// answered by any live node, so on a Cluster it stays green while every
// answer for a dead master's slots fails. On a Cluster Ready checks that
// each master of the client's slot map (the map answers are routed by)
// reports cluster_state:ok and serves a keyed read in one of its own
// slots. It returns an Unavailable error naming what failed.
func (s *Store) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	cc, ok := s.client.(*redis.ClusterClient)
	if !ok {
		return fail(s.client.Exists(ctx, s.prefix+":ready").Err())
	}
	slots, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return fail(fmt.Errorf("cluster slots: %w", err))
	}
	// One slot per master: the first of its ranges.
	owners := map[string]int{}
	for _, r := range slots {
		if len(r.Nodes) == 0 {
			return fail(fmt.Errorf("slots %d-%d have no master", r.Start, r.End))
		}
		if _, ok := owners[r.Nodes[0].Addr]; !ok {
			owners[r.Nodes[0].Addr] = r.Start
		}
	}
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	for _, slot := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := s.prefix + ":ready:{" + tagForSlot(slot) + "}"
			// The master the client routes this key to must be in a
			// healthy cluster and answer the read.
			var err error
			if m, merr := cc.MasterForKey(ctx, key); merr != nil {
				err = merr
			} else if info, ierr := m.ClusterInfo(ctx).Result(); ierr != nil {
				err = ierr
			} else if !strings.Contains(info, "cluster_state:ok") {
				err = fmt.Errorf("%s reports the cluster is not ok", m.Options().Addr)
			} else {
				err = cc.Exists(ctx, key).Err()
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("slot %d: %v", slot, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fail(fmt.Errorf("cluster not ready: %s", strings.Join(errs, "; ")))
	}
	return nil
}

var (
	slotTagsMu sync.Mutex
	slotTags   = map[int]string{}
)

// tagForSlot returns a hash tag whose keys live in the given Cluster slot.
func tagForSlot(slot int) string {
	slotTagsMu.Lock()
	defer slotTagsMu.Unlock()
	if t, ok := slotTags[slot]; ok {
		return t
	}
	for i := 0; ; i++ {
		t := strconv.Itoa(i)
		if int(crc16([]byte(t))%16384) == slot {
			slotTags[slot] = t
			return t
		}
	}
}

// crc16 is CRC-16/XMODEM, the hash Redis Cluster maps keys to slots with.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
