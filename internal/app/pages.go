package app

import (
	"html/template"
	"net/http"
)

// The privacy and terms pages the Teams app manifest links to. An operator
// with their own pages sets WHOOWNS_PRIVACY_URL and WHOOWNS_TERMS_URL and
// the paths redirect there.

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>whoowns: {{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1a202c}h1{font-size:1.5rem}</style>
</head><body><h1>whoowns: {{.Title}}</h1>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}</body></html>
`))

type page struct {
	Title      string
	Paragraphs []string
}

var privacyPage = page{Title: "privacy", Paragraphs: []string{
	"whoowns answers \"who owns this?\" for product work in Slack and Microsoft Teams. It is run by your organisation, on its own servers; this page describes what it keeps there.",
	"What it stores, per Slack workspace or Teams tenant: the teams your leads set up (names, aliases, linked channels), the user ids and display names of the people who hold a role, cover one or belong to a team, the leads, an audit history of every change (who, when, old and new value), questions it could not answer (their text and who asked) until a lead handles them, whom it has welcomed, and counts of helpful / not helpful feedback per topic.",
	"What it does not store: the other messages of your channels. It only sees messages that mention it, direct messages to it and its own commands; questions it answers are not kept.",
	"Where: in the Redis database your organisation runs for it. Nothing is sent to anyone else: replies go to Slack or Microsoft Teams only.",
	"Questions about this data, or requests to remove it, go to the people who run whoowns in your organisation.",
}}

var termsPage = page{Title: "terms of use", Paragraphs: []string{
	"whoowns is open-source software under the MIT licence, run by your organisation for its own people. Answers name who holds a role according to the data your leads maintain; check with that person when it matters.",
	"Use it for questions about who owns product work. Do not send it secrets or personal data it does not need: unanswered questions are shown to the leads.",
	"The software is provided \"as is\", without warranty of any kind, as its licence says. Your organisation's own terms for internal tools apply.",
}}

// servePage serves p, or redirects to external when it is set.
func servePage(p page, external string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if external != "" {
			http.Redirect(w, r, external, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		pageTmpl.Execute(w, p)
	}
}
