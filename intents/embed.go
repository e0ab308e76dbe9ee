// Package intents holds the built-in intent catalogue as YAML data: one file
// per group of intents, each with its role, a short explanation and the
// training phrases the matcher learns from. Keeping it as data lets the
// catalogue be reviewed and extended without touching the matcher.
package intents

import "embed"

// FS holds every catalogue file (*.yaml) so the binary carries its own
// catalogue and needs no files at run time.
//
//go:embed *.yaml
var FS embed.FS
