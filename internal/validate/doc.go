// Package validate holds the test that checks every Slack and Teams golden
// file against the platforms' own definitions: Slack's @slack/types (by
// type-checking with tsc) and Microsoft's adaptivecards library. The checks
// are a Node program, scripts/validate; this package runs it from go test.
package validate
