package ownership

import (
	"context"
	"time"
)

// The operations on requests and departures below run on any Store. The
// pending requests live in the tenant's directory, so each operation is one
// Store.Update: it is atomic (the Redis store's compare-and-set script, the
// memory store's lock), retried on a lost race, never lost, and an approval
// changes the role in the same step that removes the request. They need no
// method of their own on a Store, and a store that passes the contract
// suite (internal/storetest) gets them right.

// Authorize checks, on the directory an update commits to, that the actor
// may do what it does; a non-nil error aborts the update.
type Authorize func(d *Directory) error

// CreateRequest adds r (see Directory.AddRequest) to the tenant's pending
// requests at now. created is false when an equal request was already
// pending: r is then that one, and nothing was written.
func CreateRequest(ctx context.Context, s Store, tenant TenantID, r Request, now time.Time, opts ...UpdateOption) (out Request, created bool, err error) {
	_, changes, err := s.Update(ctx, tenant, func(d *Directory) ([]Change, error) {
		var ch []Change
		var err error
		out, ch, err = d.AddRequest(r, now)
		return ch, err
	}, opts...)
	if err != nil {
		return Request{}, false, err
	}
	return out, len(changes) > 0, nil
}

// PendingRequests returns the tenant's pending requests at now, oldest
// first, in one read.
func PendingRequests(ctx context.Context, s Store, tenant TenantID, now time.Time) ([]Request, error) {
	d, err := s.Directory(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return d.PendingRequests(now), nil
}

// Decision is the outcome of DecideRequest.
type Decision struct {
	// Request is the request as decided (State Approved or Declined).
	Request Request
	// Directory is the directory the decision was stored in.
	Directory *Directory
	// Changes are the audit entries written, with their ids.
	Changes []Change
}

// DecideRequest approves or declines the pending request id for by, at now,
// in one atomic update that first runs authorize on the directory it
// commits to. Of concurrent decisions on one request exactly one succeeds;
// the others get ErrNotFound and change nothing.
func DecideRequest(ctx context.Context, s Store, tenant TenantID, id string, approve bool, by Person, now time.Time, authorize Authorize) (Decision, error) {
	var out Request
	d, changes, err := s.Update(ctx, tenant, func(d *Directory) ([]Change, error) {
		if authorize != nil {
			if err := authorize(d); err != nil {
				return nil, err
			}
		}
		var ch []Change
		var err error
		out, ch, err = d.DecideRequest(id, approve, by, now)
		return ch, err
	})
	if err != nil {
		return Decision{}, err
	}
	return Decision{Request: out, Directory: d, Changes: changes}, nil
}

// ExpireRequests removes the tenant's requests that expired by now, audited
// by actor, and returns them. Run by several replicas at once, each expired
// request is returned to exactly one of them.
func ExpireRequests(ctx context.Context, s Store, tenant TenantID, now time.Time, actor Person) ([]Request, error) {
	var gone []Request
	_, _, err := s.Update(ctx, tenant, func(d *Directory) ([]Change, error) {
		var ch []Change
		gone, ch = d.ExpireRequests(now, actor)
		return ch, nil
	})
	if err != nil {
		return nil, err
	}
	return gone, nil
}

// VacatePerson records in one atomic update that person left (see
// Directory.Vacate) and returns what it emptied, with the directory after
// the change. Run by several replicas for one departure, exactly one of
// them gets a non-empty result: the one that notifies.
func VacatePerson(ctx context.Context, s Store, tenant TenantID, person Person, now time.Time, actor Person, reason string) ([]Vacated, *Directory, error) {
	var gone []Vacated
	d, changes, err := s.Update(ctx, tenant, func(d *Directory) ([]Change, error) {
		var ch []Change
		gone, ch = d.Vacate(person, now, actor, reason)
		return ch, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(changes) == 0 {
		return nil, d, nil
	}
	return gone, d, nil
}
