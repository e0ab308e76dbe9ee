// Package redisstore is the Redis ownership.Store, for deployments with more
// than one replica or that must keep their data across restarts. It works on
// a single Redis, behind Sentinel, or on Redis Cluster, through
// redis.UniversalClient.
//
// # Key schema
//
// <prefix> is "whoowns" unless set with WithPrefix; <tenant> is the
// TenantID as is ("slack:T123", "teams:72f988bf-…").
//
//	<prefix>:{<tenant>}:dir          hash  v = version, tag = write stamp, json = directory JSON
//	<prefix>:{<tenant>}:audit        stream of changes, field c = Change JSON; entry id = Change.ID;
//	                                 XADD MAXLEN ~ 10000
//	<prefix>:{<tenant>}:unanswered   list of Unanswered JSON, newest first, LTRIM to 500
//	<prefix>:{<tenant>}:feedback     hash  "+<intent>" = 👍 count, "-<intent>" = 👎 count
//	<prefix>:{<tenant>}:learn        hash  question key = candidate JSON {q, f, l, v: {person: {i, n, t}}}
//	                                 (times unix ms): the learning loop's picks, at most 1000 questions
//	<prefix>:{<tenant>}:learn:recent sorted set of question keys by last pick (ms): which to forget first
//	<prefix>:{<tenant>}:onboarded    set of "<team>:<user>"
//	<prefix>:{<tenant>}:stats:<YYYY-MM-DD>  hash of one UTC day's counters: q, a, u, f,
//	                                 p:<intent>, y:<intent>, n:<intent>, t:<team>;
//	                                 EXPIREAT the day + 90 days (ownership.StatsRetention)
//	<prefix>:{<tenant>}:ref:<key>    string, opaque value (e.g. a Teams conversation reference)
//	<prefix>:{<tenant>}:req:<id>     list of change id, Change JSON, ...: the result of an Update
//	                                 made with request id <id>, written with it; PEXPIRE 24h
//	<prefix>:claim:<key>             string: the claiming call's own value, SET NX PX ttl (delivery dedup, no tenant);
//	                                 ClaimAll sets several in one script, all or nothing
//	<prefix>:{sched}:due             sorted set of every tenant's job ids (ownership.Job.ID),
//	                                 scored by due time in unix ms (while leased: the lease's end)
//	<prefix>:{sched}:lease           hash  job id = "<first due ms> <token>" while leased
//	<prefix>:ready, <prefix>:ready:{<n>}  never written: Ready reads them (EXISTS) to check
//	                                 that the master, or each Cluster master (<n> picks a
//	                                 slot it owns), serves keyed reads
//
// Every key of a tenant carries the hash tag {<tenant>}, so the keys one
// script touches (dir and audit in an Update) live in one Cluster slot,
// while different tenants spread over the cluster. Claim keys
// carry no tag on purpose: they are written at message rate,
// and a shared tag would pin all of them to one node. The prefix must
// therefore contain no braces. An empty TenantID is rejected (ErrInvalid):
// "{}" is no hash tag at all, and would scatter that tenant's keys.
//
// # Round trips
//
// Directory costs one round trip: a Lua script compares the write stamp the
// store has cached for the tenant with the stored one and sends the
// directory JSON only when they differ, so the hot path moves a few bytes
// and decodes nothing. The stamp, not the version, is compared so that a
// directory rebuilt after a flush is never mistaken for the cached one.
// ClaimAll costs one, whatever the number of keys, and ClaimDirectory, the
// path of an answer, is one script that claims and then reads as Directory
// does: one round trip in all. (On a Cluster, where the untagged claim keys
// may live on other nodes than the tenant's, one per claim key plus the
// read.)
// Update costs two in the steady state (that read, then a compare-and-set
// script that writes the directory and appends the audit entries
// atomically); with a request id the same two, since the read and the
// write also look for the request's recorded result. Scripts are sent by
// SHA; the first use of each on a server that does not know it costs one
// extra round trip, unless LoadScripts ran.
package redisstore
