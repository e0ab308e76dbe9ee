// Package intent loads the intent catalogue (intents/*.yaml) and matches a
// chat question to an intent: which product topic it is about, and so whether
// the product manager or the product owner answers it.
//
// The matcher is deterministic and runs in process: no network, no model
// files. Questions are normalised (chat markup, emoji, contractions), words
// are stemmed, abbreviations (AC, PO, UAT, GTM…) and synonyms folded and
// typos corrected. Each intent then scores a mix of TF-IDF cosine similarity
// over words and word pairs (to its nearest phrase and to its centroid) and
// the probability of a softmax regression trained on the phrases at load.
// A long message is read sentence by sentence, and words outside the
// sentence that asks count less. A question is out of scope only when the
// out-of-scope examples clearly beat the best real intent (or nothing but
// generic words matched), and every answer carries a confidence band.
// Everything is precomputed at load, so a match costs microseconds.
package intent

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/whoowns/whoowns/intents"
	"github.com/whoowns/whoowns/internal/ownership"
)

// RoleLookup is the catalogue role of role_lookup: the person asked for is
// decided per question, so Match reports ProductManager or ProductOwner
// instead.
const RoleLookup ownership.Role = "lookup"

// NoneID is the intent id of an out-of-scope question.
const NoneID = "none"

// Intent is one entry of the catalogue.
type Intent struct {
	ID   string
	Role ownership.Role // for role_lookup: RoleLookup
	// Title is a short label for a button ("Acceptance criteria").
	Title string
	// Why is one line explaining who owns the topic and why.
	Why string
	// More is a longer explanation for a "tell me more" button.
	More string
	// Phrases are the training phrases, taught phrases included.
	Phrases []string
	// Custom marks an intent a lead added at run time.
	Custom bool
	// norm holds Phrases normalised when the catalogue was parsed, so a
	// load normalises each phrase once; build ignores it when the lengths
	// differ (phrases added since).
	norm []string
}

// Candidate is a scored intent id.
type Candidate struct {
	Intent string
	Score  float64
}

// Result is the outcome of matching one question.
type Result struct {
	// Intent is the best intent id, NoneID when nothing scores high enough.
	Intent string
	// Role is the intent's role; for role_lookup the role the question asks
	// for (product_manager or product_owner).
	Role ownership.Role
	// Score is the confidence in [0,1], calibrated so that 0.5 is the
	// matcher's threshold: a real intent always scores at least 0.5, and for
	// NoneID it is the confidence that the question is out of scope.
	Score float64
	// Alternatives are the runners-up, best first: up to 3, never Intent
	// itself; for NoneID they are the 3 closest real intents.
	Alternatives []Candidate
	// NearTie is set when the best and the runner-up are too close to call,
	// so adapters can ask "did you mean …?".
	NearTie bool
	// Confidence is the band that says how to answer: ConfidenceHigh
	// ("high") answers Intent; ConfidenceMedium ("medium") answers Intent
	// but confirms it ("I read this as X, is that right?", offering
	// Alternatives); ConfidenceLow ("low") says "I don't know" and is the
	// band of every NoneID result. The bands are calibrated on the dev
	// sets so that at least 97% of high answers are right.
	Confidence Confidence
}

// Confidence is a Result's confidence band; see Result.Confidence.
type Confidence string

// The confidence bands, as `whoowns classify --json` spells them.
const (
	ConfidenceHigh   Confidence = "high"
	ConfidenceMedium Confidence = "medium"
	ConfidenceLow    Confidence = "low"
)

// Catalogue is a validated set of intents with its compiled matcher. It is
// immutable and safe for concurrent use.
type Catalogue struct {
	intents []Intent
	byID    map[string]int
	m       *model
}

var validRoles = map[ownership.Role]bool{
	ownership.ProductManager: true, ownership.ProductOwner: true, ownership.Both: true,
	ownership.Info: true, ownership.None: true, RoleLookup: true,
}

// file is the YAML shape of one catalogue file.
type file struct {
	Intents []struct {
		ID      string   `yaml:"id"`
		Role    string   `yaml:"role"`
		Title   string   `yaml:"title"`
		Why     string   `yaml:"why"`
		More    string   `yaml:"more"`
		Phrases []string `yaml:"phrases"`
	} `yaml:"intents"`
}

// Load parses and validates every *.yaml file at the root of fsys, in file
// name order, and builds the matcher. Errors name the file and the entry
// ("po.yaml: intent \"backlog\": phrase 3 is empty"; phrases count from 1).
func Load(fsys fs.FS) (*Catalogue, error) {
	all, err := parse(fsys)
	if err != nil {
		return nil, err
	}
	return newCatalogue(all), nil
}

// parse reads and validates the catalogue files of fsys. The built-in
// catalogue is parsed ahead by go generate into catalogue_gen.go (scanning
// the YAML is a third of a load): files byte for byte the ones it was
// generated from are taken from there, anything else is parsed.
func parse(fsys fs.FS) ([]Intent, error) {
	files, err := readCatalogue(fsys)
	if err != nil {
		return nil, err
	}
	if catalogueKey(files) == builtinKey {
		return slices.Clone(builtinIntents), nil
	}
	return parseFiles(files)
}

// catalogueFile is one *.yaml file of a catalogue.
type catalogueFile struct {
	name string
	data []byte
}

// readCatalogue reads the *.yaml files at the root of fsys in name order.
func readCatalogue(fsys fs.FS) ([]catalogueFile, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("intent catalogue: no *.yaml files")
	}
	sort.Strings(names)
	files := make([]catalogueFile, len(names))
	for i, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		files[i] = catalogueFile{name, data}
	}
	return files, nil
}

// catalogueKey identifies a catalogue's files: names and contents.
func catalogueKey(files []catalogueFile) uint64 {
	h := fnv.New64a()
	for _, f := range files {
		fmt.Fprintf(h, "%s %d\n", f.name, len(f.data))
		h.Write(f.data)
	}
	return h.Sum64()
}

// parseFiles decodes and validates catalogue files.
func parseFiles(files []catalogueFile) ([]Intent, error) {
	var all []Intent
	seen := map[string]string{}
	for _, cf := range files {
		name, data := cf.name, cf.data
		var f file
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(f.Intents) == 0 {
			return nil, fmt.Errorf("%s: no intents", name)
		}
		for i, e := range f.Intents {
			in := Intent{ID: strings.TrimSpace(e.ID), Role: ownership.Role(e.Role), Title: strings.TrimSpace(e.Title),
				Why: strings.TrimSpace(e.Why), More: strings.TrimSpace(e.More), Phrases: e.Phrases}
			if in.ID == "" {
				return nil, fmt.Errorf("%s: intent %d has no id", name, i+1)
			}
			where := fmt.Sprintf("%s: intent %q", name, in.ID)
			if !validID(in.ID) {
				return nil, fmt.Errorf("%s: id must be lower-case letters, digits and underscores", where)
			}
			if prev, dup := seen[in.ID]; dup {
				return nil, fmt.Errorf("%s: duplicate id (first in %s)", where, prev)
			}
			seen[in.ID] = name
			if !validRoles[in.Role] {
				return nil, fmt.Errorf("%s: unknown role %q", where, e.Role)
			}
			if in.Title == "" {
				return nil, fmt.Errorf("%s: missing title", where)
			}
			if in.Why == "" {
				return nil, fmt.Errorf("%s: missing why", where)
			}
			norm, err := checkPhrases(in.Phrases)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			in.norm = norm
			all = append(all, in)
		}
	}
	return all, nil
}

func checkPhrases(ps []string) ([]string, error) {
	if len(ps) == 0 {
		return nil, errors.New("no phrases")
	}
	norm := make([]string, len(ps))
	for i, p := range ps {
		if strings.TrimSpace(p) == "" {
			return nil, fmt.Errorf("phrase %d is empty", i+1)
		}
		if norm[i] = Normalize(p); norm[i] == "" {
			return nil, fmt.Errorf("phrase %d (%q) has no words", i+1, p)
		}
	}
	return norm, nil
}

func validID(id string) bool {
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return id != ""
}

func newCatalogue(all []Intent) *Catalogue {
	c := &Catalogue{intents: all, byID: make(map[string]int, len(all))}
	for i, in := range all {
		c.byID[in.ID] = i
	}
	c.m = build(all)
	return c
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalogue
	defaultErr  error
)

// Default returns the built-in catalogue (intents.FS), loaded once and
// shared: loading compiles the matcher, which is worth doing only once.
func Default() (*Catalogue, error) {
	defaultOnce.Do(func() {
		defaultCat, defaultErr = Load(intents.FS)
		if defaultErr != nil {
			defaultErr = fmt.Errorf("intents/%w", defaultErr)
		}
	})
	return defaultCat, defaultErr
}

// Intents returns every intent in catalogue order, custom intents last. The
// slice and its phrase lists are copies.
func (c *Catalogue) Intents() []Intent {
	out := make([]Intent, len(c.intents))
	for i, in := range c.intents {
		in.Phrases = append([]string(nil), in.Phrases...)
		in.norm = nil
		out[i] = in
	}
	return out
}

// Get returns the intent with the given id.
func (c *Catalogue) Get(id string) (Intent, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Intent{}, false
	}
	in := c.intents[i]
	in.Phrases = append([]string(nil), in.Phrases...)
	in.norm = nil
	return in, true
}

// Summary is Get without the phrases (Phrases is nil): what an answer shows
// of an intent, without copying its phrases.
func (c *Catalogue) Summary(id string) (Intent, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Intent{}, false
	}
	in := c.intents[i]
	in.Phrases, in.norm = nil, nil
	return in, true
}

// Extend returns a new catalogue: c plus a tenant's custom intents and taught
// phrases; c itself is unchanged. Custom ids must be new (not a built-in id,
// not repeated), taught phrases must name an existing intent (built-in or
// custom), and no phrase may be empty. A question worded like a taught phrase
// matches its intent outright. Extend recompiles the matcher, so callers
// should cache the result per directory version. With nothing to add it
// returns c.
func (c *Catalogue) Extend(custom []ownership.CustomIntent, taught []ownership.TaughtPhrase) (*Catalogue, error) {
	if len(custom) == 0 && len(taught) == 0 {
		return c, nil
	}
	all := make([]Intent, len(c.intents), len(c.intents)+len(custom))
	for i, in := range c.intents {
		in.Phrases = append([]string(nil), in.Phrases...)
		all[i] = in
	}
	index := make(map[string]int, len(all)+len(custom))
	for i, in := range all {
		index[in.ID] = i
	}
	for _, ci := range custom {
		id := strings.TrimSpace(ci.ID)
		where := fmt.Sprintf("custom intent %q", id)
		if !validID(id) {
			return nil, fmt.Errorf("%s: id must be lower-case letters, digits and underscores", where)
		}
		if j, dup := index[id]; dup {
			if all[j].Custom {
				return nil, fmt.Errorf("%s: duplicate id", where)
			}
			return nil, fmt.Errorf("%s: reuses a built-in intent id", where)
		}
		if ci.Role == "" || ci.Role == RoleLookup {
			return nil, fmt.Errorf("%s: needs a role", where)
		}
		for i, p := range ci.Phrases {
			if Normalize(p) == "" {
				return nil, fmt.Errorf("%s: phrase %d is empty", where, i+1)
			}
		}
		index[id] = len(all)
		all = append(all, Intent{ID: id, Role: ci.Role, Title: titleFromID(id), Why: strings.TrimSpace(ci.Why),
			Phrases: append([]string(nil), ci.Phrases...), Custom: true})
	}
	for i, tp := range taught {
		j, ok := index[tp.Intent]
		if !ok {
			return nil, fmt.Errorf("taught phrase %d (%q): unknown intent %q", i+1, tp.Phrase, tp.Intent)
		}
		if Normalize(tp.Phrase) == "" {
			return nil, fmt.Errorf("taught phrase %d for %q is empty", i+1, tp.Intent)
		}
		all[j].Phrases = append(all[j].Phrases, tp.Phrase)
	}
	// Taught phrases override built-in wording: mark the intents that got
	// them so an exact match prefers them.
	out := newCatalogueTaught(all, taught)
	return out, nil
}

func newCatalogueTaught(all []Intent, taught []ownership.TaughtPhrase) *Catalogue {
	c := &Catalogue{intents: all, byID: make(map[string]int, len(all))}
	for i, in := range all {
		c.byID[in.ID] = i
	}
	c.m = build(all)
	// Taught phrases win exact matches even against a built-in phrase of
	// another intent: a lead taught them on purpose.
	s := c.m.newScratch()
	for _, tp := range taught {
		s.norm = appendNormalized(s.norm[:0], tp.Phrase)
		c.m.analyze(s, true)
		c.m.taught[c.m.exactKey(s)] = int32(c.byID[tp.Intent])
	}
	return c
}

func titleFromID(id string) string {
	t := strings.ReplaceAll(id, "_", " ")
	if t == "" {
		return t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}
