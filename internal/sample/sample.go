// Package sample ships the sample teams that `whoowns ask` answers from when
// no Redis is configured, so a newcomer sees real answers at once.
package sample

import (
	_ "embed"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/ownership"
)

//go:embed teams.yaml
var teamsYAML []byte

// Tenant is the tenant the sample directory belongs to.
const Tenant ownership.TenantID = "local"

// YAML returns the sample file as shipped.
func YAML() []byte { return append([]byte(nil), teamsYAML...) }

// Directory parses the sample teams.
func Directory(opts dirfile.Options) (*ownership.Directory, error) {
	return dirfile.Parse("sample/teams.yaml", teamsYAML, Tenant, opts)
}
