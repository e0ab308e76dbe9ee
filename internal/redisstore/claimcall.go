package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
)

// The answer path's one Redis command, claimDirScript, is sent without
// go-redis's Script.Run: that makes a fresh []interface{} per call and
// boxes every key and argument into it (an allocation each), and reads
// the reply into []interface{} of boxed strings before StringSlice copies
// it out. Here the arguments are pointers into a pooled claimCall, which
// go-redis writes without boxing (*string, *int64 and
// encoding.BinaryMarshaler), and the reply is read by a StringSliceCmd
// straight into a []string. The command on the wire is the same EVALSHA,
// falling back to EVAL when the server does not know the script, as
// Script.Run does.

var (
	claimDirSHA = claimDirScript.Hash()
	claimDirSrc = claimDirSource
)

// keyArg is one key of the command, a slice of its claimCall's buffer.
type keyArg struct{ b []byte }

// MarshalBinary gives go-redis the key's bytes as they are.
func (k *keyArg) MarshalBinary() ([]byte, error) { return k.b, nil }

// String is the key, for hooks and logs that print a command.
func (k *keyArg) String() string { return string(k.b) }

// claimCall is the argument list of one claimDirScript call: EVALSHA sha
// numkeys dir claim... tag ttl token.
type claimCall struct {
	buf     []byte
	ends    []int
	keys    []keyArg
	numKeys int64
	tag     string
	ttl     int64
	token   keyArg
	args    []interface{}
}

// claimTokens numbers the claim calls of this process; with
// claimTokenPrefix, random per process, it makes each call's claim value
// (claimDirScript's ARGV[3]) its own among every replica's.
var (
	claimTokens      atomic.Uint64
	claimTokenPrefix = func() string {
		b := make([]byte, 8)
		rand.Read(b)
		return hex.EncodeToString(b) + ":"
	}()
)

var claimCalls = sync.Pool{New: func() any { return new(claimCall) }}

// newClaimToken is a claim value of its own for one claim call.
func newClaimToken() string {
	return claimTokenPrefix + strconv.FormatUint(claimTokens.Add(1), 10)
}

// runClaimDir runs claimDirScript on tenant id's directory and the claim
// keys, with the cached stamp tag and the claims' ttl in ms. It returns
// the script's reply, or redis.Nil when a key was taken.
func (s *Store) runClaimDir(ctx context.Context, id ownership.TenantID, keys []string, tag string, ttl int64) ([]string, error) {
	c := claimCalls.Get().(*claimCall)
	defer func() {
		clear(c.args) // drop the pointers into c
		c.tag = ""
		claimCalls.Put(c)
	}()
	// The keys, as s.key(id, "dir") and s.prefix+":claim:"+k, go to one
	// buffer first and are sliced after, since appending may move it.
	c.buf = append(append(append(append(c.buf[:0], s.prefix...), ":{"...), id...), "}:dir"...)
	c.ends = append(c.ends[:0], len(c.buf))
	for _, k := range keys {
		c.buf = append(append(append(c.buf, s.prefix...), ":claim:"...), k...)
		c.ends = append(c.ends, len(c.buf))
	}
	// The call's claim value goes last into the buffer.
	c.buf = strconv.AppendUint(append(c.buf, claimTokenPrefix...), claimTokens.Add(1), 10)
	tokenStart := c.ends[len(c.ends)-1]
	c.keys = c.keys[:0]
	start := 0
	for _, end := range c.ends {
		c.keys = append(c.keys, keyArg{b: c.buf[start:end:end]})
		start = end
	}
	c.numKeys, c.tag, c.ttl = int64(len(c.keys)), tag, ttl
	c.args = append(c.args[:0], "evalsha", &claimDirSHA, &c.numKeys)
	for i := range c.keys {
		c.args = append(c.args, &c.keys[i])
	}
	c.token = keyArg{b: c.buf[tokenStart:len(c.buf):len(c.buf)]}
	c.args = append(c.args, &c.tag, &c.ttl, &c.token)

	cmd := redis.NewStringSliceCmd(ctx, c.args...)
	_ = s.client.Process(ctx, cmd)
	if err := cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") { // (its errors.As allocates)
		c.args[0], c.args[1] = "eval", &claimDirSrc
		cmd = redis.NewStringSliceCmd(ctx, c.args...)
		_ = s.client.Process(ctx, cmd)
	}
	return cmd.Result()
}
