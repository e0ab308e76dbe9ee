package ownership

import (
	"context"
	"time"
)

// Store keeps tenants' directories and what goes with them. Implementations:
// the in-memory store (embedded default, unit tests) and the Redis store. Both
// pass the same contract suite (internal/storetest).
//
// Errors: methods return *Error with code Unavailable when the backing store
// cannot be reached in time, and Conflict when an Update kept losing races.
// Errors returned by an Update's fn are passed through unchanged and nothing
// is written.
type Store interface {
	// Directory returns the tenant's directory; an unknown tenant yields an
	// empty one (version 0). It costs at most one round trip to the backend.
	// The returned value is the caller's own: mutating it changes nothing.
	Directory(ctx context.Context, tenant TenantID) (*Directory, error)

	// Update applies fn to a copy of the tenant's directory and, if fn
	// returns no error, stores the result and appends the changes fn returned
	// to the tenant's audit log, atomically: concurrent updates from other
	// replicas are retried, never lost. fn may run more than once. An fn that
	// returns no changes writes nothing. Update returns the stored directory
	// and the changes with their store-assigned ids.
	//
	// With WithRequestID the update is applied at most once per request id
	// and tenant: the same atomic step that stores the result records the
	// id with the changes and their ids for RequestTTL. An Update with an
	// id already recorded does not run fn and returns the current
	// directory and the recorded changes, so a caller whose reply from the
	// backend was lost calls Update again with the same id and learns
	// whether its change stands (it gets the recorded changes) or never
	// happened (it is applied now). An fn error or no changes records
	// nothing.
	Update(ctx context.Context, tenant TenantID, fn func(*Directory) ([]Change, error), opts ...UpdateOption) (*Directory, []Change, error)

	// History returns up to limit audit entries, newest first; team "" means
	// all teams.
	History(ctx context.Context, tenant TenantID, team string, limit int) ([]Change, error)

	// AddUnanswered queues a question for leads to review.
	AddUnanswered(ctx context.Context, tenant TenantID, q Unanswered) error
	// Unanswered returns up to limit queued questions, newest first.
	Unanswered(ctx context.Context, tenant TenantID, limit int) ([]Unanswered, error)
	// RemoveUnanswered takes every queued question whose text is exactly
	// one of texts off the queue, in one atomic step, and returns the
	// questions it took, newest first. A question queued again meanwhile
	// in the same words is taken too; no texts takes nothing.
	RemoveUnanswered(ctx context.Context, tenant TenantID, texts []string) ([]Unanswered, error)
	// ClearUnanswered empties the queue in one atomic step and returns
	// what it held, newest first.
	ClearUnanswered(ctx context.Context, tenant TenantID) ([]Unanswered, error)

	// AddFeedback counts a 👍 (helpful) or 👎 for an intent.
	AddFeedback(ctx context.Context, tenant TenantID, intent string, helpful bool) error
	// Feedback returns the counts per intent.
	Feedback(ctx context.Context, tenant TenantID) (map[string]FeedbackCount, error)

	// AddStats adds counts to tenants' daily statistics: the deltas of
	// several tenants and days at once, in one round trip (on a Cluster,
	// one per node, in parallel), so a replica's counter flushes
	// everything it counted with one call. A day's counters are kept for
	// StatsRetention days; a delta for a day older than that adds nothing.
	// A delta without a tenant is invalid and nothing is added.
	AddStats(ctx context.Context, deltas []StatsDelta) error
	// Stats returns the tenant's counts per day from from to to (UTC
	// dates, both included; see StatsDays for the valid ranges), read in
	// one round trip, never by scanning keys.
	Stats(ctx context.Context, tenant TenantID, from, to time.Time) (StatsReport, error)

	// RecordPick records, atomically and in one round trip, that
	// p.Person picked p.Intent for the question p.Key, and returns the
	// question's candidate after the pick. Each person has one vote per
	// question, their latest pick: picking the same intent again changes
	// nothing (the vote keeps its time), picking another intent moves the
	// vote. Concurrent picks from any replica are all counted, none twice.
	// The first pick of a key keeps p.Question. A new person beyond
	// MaxVotes is not recorded; a new key beyond MaxCandidates forgets the
	// candidate picked least recently. An empty key, intent or person is
	// invalid.
	RecordPick(ctx context.Context, tenant TenantID, p Pick) (Candidate, error)
	// Candidates returns the tenant's candidates, first picked first.
	Candidates(ctx context.Context, tenant TenantID) ([]Candidate, error)
	// DropCandidate forgets a question's picks; an unknown key is a no-op.
	DropCandidate(ctx context.Context, tenant TenantID, key string) error

	// Claim records key (an event or activity id) for ttl and reports whether
	// this caller is the first to claim it. Replicas use it to answer each
	// delivery once.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)

	// ClaimAll claims several keys that name one delivery (an event id and
	// the id of the message it carries) at once, in one round trip on a
	// single backend. True means none of the keys was claimed before and
	// now all of them are, for ttl. Of concurrent ClaimAll calls over free
	// keys that share a key (the same delivery twice, or one message in
	// two events) exactly one reports true, never none. After false some
	// of the keys may be claimed all the same. The keys share Claim's key
	// space. No keys, or a ttl <= 0, is invalid.
	ClaimAll(ctx context.Context, ttl time.Duration, keys ...string) (bool, error)

	// ClaimDirectory is ClaimAll and then Directory, in one round trip to
	// the backend: the path of an answer, which must be given once however
	// many deliveries of its question arrive. When first is false the
	// directory is nil. An error means neither result is known.
	//
	// Unlike Directory's, the directory is read-only and may be shared: a
	// store may hand every caller the same snapshot of a version (the Redis
	// store hands out the copy it caches), so the answer path reads it
	// without copying it. A caller must not change it, nor anything it
	// reaches; Directory and Update give a copy of one's own.
	ClaimDirectory(ctx context.Context, tenant TenantID, ttl time.Duration, keys ...string) (d *Directory, first bool, err error)

	// Release gives back claims made with Claim, ClaimAll or
	// ClaimDirectory, so that the next claim of those keys wins again:
	// a delivery whose reply definitely failed is answered when the
	// platform delivers it again. Keys that are not claimed are ignored;
	// no keys is a no-op.
	Release(ctx context.Context, keys ...string) error

	// MarkOnboarded records that user was welcomed for team and reports
	// whether this is the first time.
	MarkOnboarded(ctx context.Context, tenant TenantID, user, team string) (bool, error)

	// PutRef and Ref keep small opaque values per tenant, such as a Teams
	// conversation reference needed to message a channel or user later.
	PutRef(ctx context.Context, tenant TenantID, key string, value []byte) error
	// Ref returns the value, or nil when there is none.
	Ref(ctx context.Context, tenant TenantID, key string) ([]byte, error)

	// Jobs is the schedule the replicas' schedulers share.
	Jobs

	// Tenancy lists tenants and deletes one's data.
	Tenancy

	// Ping checks that the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// RequestTTL is how long a store remembers an Update's request id and its
// result (see WithRequestID): far longer than any retry of one request,
// platform redeliveries included.
const RequestTTL = 24 * time.Hour

// UpdateOption adjusts one Update.
type UpdateOption func(*UpdateOptions)

// UpdateOptions are an Update's options, as stores read them.
type UpdateOptions struct {
	// RequestID names the update for idempotency; "" means none.
	RequestID string
}

// WithRequestID makes an Update idempotent under id, unique within the
// tenant (a delivery id, say): see Store.Update.
func WithRequestID(id string) UpdateOption {
	return func(o *UpdateOptions) { o.RequestID = id }
}

// ReadUpdateOptions applies opts to zero options.
func ReadUpdateOptions(opts []UpdateOption) UpdateOptions {
	var o UpdateOptions
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}
