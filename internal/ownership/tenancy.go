package ownership

import (
	"context"
	"time"
)

// Tenancy lists the tenants a store holds and deletes one's data: an
// uninstalled Slack workspace after its retention, or on an operator's
// request (whoowns purge).
type Tenancy interface {
	// Tenants lists the tenants whose directory or references were
	// written, from an index (never a scan of every key), sorted.
	Tenants(ctx context.Context) ([]TenantID, error)
	// PurgeTenant deletes everything the store keeps for tenant (its
	// directory, audit log, unanswered questions, feedback, learned
	// phrases, references such as an installation) and records p in the
	// purge log, which is kept apart from every tenant so the record
	// survives the data it describes.
	PurgeTenant(ctx context.Context, tenant TenantID, p Purge) error
	// Purges returns up to limit entries of the purge log, newest first.
	Purges(ctx context.Context, limit int) ([]Purge, error)
}

// Purge records the deletion of a tenant's data.
type Purge struct {
	At     time.Time `json:"at"`
	Tenant TenantID  `json:"tenant"`
	// Actor is who asked: an operator on the command line, or
	// "retention" for the sweep after an uninstall.
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
	// Teams is how many teams the tenant had.
	Teams int `json:"teams"`
}

// MaxPurges is how many entries the purge log keeps.
const MaxPurges = 1000
