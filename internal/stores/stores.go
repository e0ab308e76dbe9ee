// Package stores opens the configured ownership store: Redis (one node,
// Sentinel or Cluster) when configured, else an in-memory store seeded with
// the sample teams so that everything works on a fresh clone.
package stores

import (
	"context"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/sample"
)

// Open returns the Redis store for cfg, or the sample store when cfg names
// no Redis. The store owns its client: Close releases it.
func Open(ctx context.Context, cfg redisstore.Config, cat *intent.Catalogue) (ownership.Store, error) {
	if !cfg.Enabled() {
		return Sample(cat)
	}
	st, err := redisstore.Open(cfg)
	if err != nil {
		return nil, err
	}
	// Loading the scripts up front checks the connection and saves the
	// first answer a round trip; a failure here is reported, not fatal,
	// because the store recovers by itself when Redis comes back.
	_ = st.LoadScripts(ctx)
	return st, nil
}

// Sample is an in-memory store in which every tenant starts with the sample
// teams.
func Sample(cat *intent.Catalogue) (ownership.Store, error) {
	d, err := sample.Directory(KnownIntents(cat))
	if err != nil {
		return nil, err
	}
	return &sampled{Store: memstore.New(memstore.WithDirectory(d)), sample: d, seeded: map[ownership.TenantID]bool{d.Tenant: true}}, nil
}

// KnownIntents lets a directory file refer to the catalogue's intents.
func KnownIntents(cat *intent.Catalogue) dirfile.Options {
	return dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }}
}
