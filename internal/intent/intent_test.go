package intent

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/whoowns/whoowns/internal/ownership"
)

// contract lists every intent id of shared/intents.md with its role.
var contract = map[string]ownership.Role{
	"product_strategy": ownership.ProductManager, "roadmap": ownership.ProductManager,
	"market_research": ownership.ProductManager, "competitive_analysis": ownership.ProductManager,
	"customer_insights": ownership.ProductManager, "business_case": ownership.ProductManager,
	"go_to_market": ownership.ProductManager, "initiatives_epics": ownership.ProductManager,
	"business_metrics": ownership.ProductManager, "stakeholder_alignment": ownership.ProductManager,
	"backlog": ownership.ProductOwner, "backlog_prioritization": ownership.ProductOwner,
	"user_stories": ownership.ProductOwner, "acceptance_criteria": ownership.ProductOwner,
	"sprint_planning": ownership.ProductOwner, "story_acceptance": ownership.ProductOwner,
	"requirements": ownership.ProductOwner, "implementation_decisions": ownership.ProductOwner,
	"demos": ownership.ProductOwner, "testing": ownership.ProductOwner,
	"delivery_metrics": ownership.ProductOwner, "team_coordination": ownership.ProductOwner,
	"prioritization": ownership.Both, "role_lookup": RoleLookup,
	"role_difference": ownership.Info, "help": ownership.Info, "none": ownership.None,
}

func TestCatalogueMatchesContract(t *testing.T) {
	c := mustDefault(t)
	got := c.Intents()
	if len(got) != len(contract) {
		t.Errorf("catalogue has %d intents, contract %d", len(got), len(contract))
	}
	for _, in := range got {
		role, ok := contract[in.ID]
		if !ok {
			t.Errorf("intent %q is not in the contract", in.ID)
			continue
		}
		if in.Role != role {
			t.Errorf("%s: role %q, contract says %q", in.ID, in.Role, role)
		}
		if len(in.Phrases) < 25 {
			t.Errorf("%s: only %d phrases", in.ID, len(in.Phrases))
		}
		if in.Title == "" || in.Why == "" || in.More == "" {
			t.Errorf("%s: title, why and more are all needed", in.ID)
		}
		if strings.Contains(strings.TrimSpace(in.Why), "\n") {
			t.Errorf("%s: why must be one line", in.ID)
		}
		if in.Custom {
			t.Errorf("%s: built-in intent marked custom", in.ID)
		}
		if g, ok := c.Get(in.ID); !ok || g.ID != in.ID {
			t.Errorf("Get(%q) failed", in.ID)
		}
	}
	if _, ok := c.Get("nope"); ok {
		t.Error("Get of an unknown id succeeded")
	}
}

// TestPhrasesAreConsistent guards the data: a phrase whose canonical form
// also belongs to another intent would make the two fight.
func TestPhrasesAreConsistent(t *testing.T) {
	c := mustDefault(t)
	m := c.m
	owner := map[uint64]string{}
	s := m.newScratch()
	for _, in := range c.Intents() {
		for _, p := range in.Phrases {
			s.norm = appendNormalized(s.norm[:0], p)
			m.analyze(s, false)
			k := m.exactKey(s)
			if prev, ok := owner[k]; ok && prev != in.ID {
				t.Errorf("%q (%s) reads the same as a phrase of %s", p, in.ID, prev)
			}
			owner[k] = in.ID
		}
	}
	// the evaluation questions must not be training phrases
	phrases := map[string]string{}
	for _, in := range c.Intents() {
		for _, p := range in.Phrases {
			phrases[Normalize(p)] = in.ID
		}
	}
	for _, file := range []string{findDevSet(), "testdata/heldout.jsonl", "testdata/heldout2.jsonl"} {
		if file == "" {
			continue
		}
		for _, l := range readEval(t, file) {
			if id, ok := phrases[Normalize(l.Text)]; ok {
				t.Errorf("evaluation question %q is a training phrase of %s", l.Text, id)
			}
		}
	}
}

func TestLoadValidation(t *testing.T) {
	good := "intents:\n  - id: backlog\n    role: product_owner\n    title: Backlog\n    why: The PO owns it.\n    phrases:\n      - who owns the backlog\n"
	cases := []struct {
		name, file, want string
	}{
		{"unknown role", strings.Replace(good, "product_owner", "boss", 1), `po.yaml: intent "backlog": unknown role "boss"`},
		{"missing why", strings.Replace(good, "    why: The PO owns it.\n", "", 1), `po.yaml: intent "backlog": missing why`},
		{"missing title", strings.Replace(good, "    title: Backlog\n", "", 1), `po.yaml: intent "backlog": missing title`},
		{"no phrases", strings.Replace(good, "    phrases:\n      - who owns the backlog\n", "", 1), `po.yaml: intent "backlog": no phrases`},
		{"empty phrase", good + "      - \"\"\n      - \"  \"\n", `po.yaml: intent "backlog": phrase 2 is empty`},
		{"phrase without words", good + "      - \":smile: ???\"\n", `po.yaml: intent "backlog": phrase 2 (":smile: ???") has no words`},
		{"bad id", strings.Replace(good, "id: backlog", "id: Back-log", 1), `po.yaml: intent "Back-log": id must be`},
		{"unknown field", good + "    colour: red\n", `po.yaml: yaml: unmarshal errors`},
		{"no intents", "intents: []\n", `po.yaml: no intents`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"po.yaml": {Data: []byte(tc.file)}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("duplicate id across files", func(t *testing.T) {
		_, err := Load(fstest.MapFS{"a.yaml": {Data: []byte(good)}, "po.yaml": {Data: []byte(good)}})
		if err == nil || !strings.Contains(err.Error(), `po.yaml: intent "backlog": duplicate id (first in a.yaml)`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no files", func(t *testing.T) {
		if _, err := Load(fstest.MapFS{}); err == nil {
			t.Fatal("loaded an empty catalogue")
		}
	})
	t.Run("small catalogue works", func(t *testing.T) {
		c, err := Load(fstest.MapFS{"po.yaml": {Data: []byte(good)}})
		if err != nil {
			t.Fatal(err)
		}
		if r := c.Match("who owns the backlog?"); r.Intent != "backlog" || r.Role != ownership.ProductOwner {
			t.Fatalf("got %+v", r)
		}
		if r := c.Match(""); r.Intent != NoneID {
			t.Fatalf("empty question without a help intent: got %+v", r)
		}
	})
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Who owns the Roadmap?", "who owns the roadmap"},
		{"<@U123ABC> who writes the AC?", "who writes the ac"},
		{"<@U123|alice> who's the PO?", "who is the po"},
		{"who is the PO for <#C024BE91L|mobile-team>?", "who is the po for mobile team"},
		{"<#C024BE91L> backlog", "backlog"},
		{"<!here> who owns UAT", "who owns uat"},
		{"<!subteam^S0614TZR7|@payments-squad> PM?", "payments squad pm"},
		{"<at>WhoOwns</at> who owns the backlog", "who owns the backlog"},
		{"<at>Who Owns Bot</at>&nbsp;who runs demos?", "who runs demos"},
		{"<p>who owns the <b>roadmap</b></p>", "who owns the roadmap"},
		{"see <https://example.com/x?y=1|this doc> who owns it", "see who owns it"},
		{"see https://example.com/a-b_c and www.example.org/q then", "see and then"},
		{"<https://example.com> roadmap", "roadmap"},
		{"who owns NPS :thinking_face: :+1:", "who owns nps"},
		{"who owns NPS 🤔👍🏽 ❤️", "who owns nps"},
		{"what\u2019s the difference?", "what is the difference"},
		{"who\u2019s our PM", "who is our pm"},
		{"who&#39;s the po", "who is the po"},
		{"the team's backlog", "the team backlog"},
		{"the devs' backlog", "the devs backlog"},
		{"I don't know, can't say, won't do", "i do not know can not say will not do"},
		{"we're they'll I've I'd I'm", "we are they will i have i would i am"},
		{"go-to-market   for\tv2!!!", "go to market for v2"},
		{"  “Quoted”  ‘words’ ", "quoted words"},
		{"Q3 roadmap at 10:30", "q3 roadmap at 10 30"},
		{"R&amp;D &lt;team&gt;", "r d team"},
		{"Café PRODUCT owner", "café product owner"},
		{"", ""},
		{":smile:", ""},
	}
	for _, tc := range cases {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMatchExamples(t *testing.T) {
	c := mustDefault(t)
	cases := []struct {
		text, intent string
		role         ownership.Role
	}{
		// typos
		{"who writes the acceptence critera", "acceptance_criteria", ownership.ProductOwner},
		{"who grooms the bakclog", "backlog", ownership.ProductOwner},
		{"who owns the roadmpa", "roadmap", ownership.ProductManager},
		{"who tracks velocty", "delivery_metrics", ownership.ProductOwner},
		{"who does competitve analysis", "competitive_analysis", ownership.ProductManager},
		{"who is the prodcut owner for search", "role_lookup", ownership.ProductOwner},
		{"who handles stakeholder comunication", "stakeholder_alignment", ownership.ProductManager},
		// team names do not steer the match
		{"who owns the backlog for zephyr", "backlog", ownership.ProductOwner},
		{"who owns the backlog on the quokka team", "backlog", ownership.ProductOwner},
		{"who writes acceptance criteria for the lighthouse squad", "acceptance_criteria", ownership.ProductOwner},
		{"who runs sprint planning in <#C1|team-falcon>", "sprint_planning", ownership.ProductOwner},
		{"who owns the roadmap for the growth team", "roadmap", ownership.ProductManager},
		{"who runs customer interviews for payments", "customer_insights", ownership.ProductManager},
		// "what to build" is strategy, whatever else builds
		{"who decides what to build", "product_strategy", ownership.ProductManager},
		{"who decides what we should be building", "product_strategy", ownership.ProductManager},
		// a greeting in two words is a greeting
		{"good evening", "help", ownership.Info},
		{"Good afternoon! who grooms the backlog", "backlog", ownership.ProductOwner},
		// abbreviations
		{"who writes the ACs", "acceptance_criteria", ownership.ProductOwner},
		{"who owns GTM", "go_to_market", ownership.ProductManager},
		{"who tracks NPS", "business_metrics", ownership.ProductManager},
		{"who does UAT", "testing", ownership.ProductOwner},
		{"who calculates ROI", "business_case", ownership.ProductManager},
		// boundaries from the contract
		{"who decides priorities?", "prioritization", ownership.Both},
		{"who decides which epic matters most", "initiatives_epics", ownership.ProductManager},
		{"who orders the backlog items", "backlog_prioritization", ownership.ProductOwner},
		{"who looks at competitor products", "competitive_analysis", ownership.ProductManager},
		{"who tracks burndown", "delivery_metrics", ownership.ProductOwner},
		{"who tracks revenue", "business_metrics", ownership.ProductManager},
		{"who runs the sprint review", "demos", ownership.ProductOwner},
		{"who plans the product launch", "go_to_market", ownership.ProductManager},
		{"what does a PO do?", "role_difference", ownership.Info},
		{"hey", "help", ownership.Info},
		{"", "help", ownership.Info},
		{"<@U123>", "help", ownership.Info},
		// out of scope
		{"who owns the payments service", NoneID, ownership.None},
		{"who is on call", NoneID, ownership.None},
		{"who decides the database schema for orders", NoneID, ownership.None},
		{"who picks our tech stack", NoneID, ownership.None},
		{"who is it", NoneID, ownership.None},
		{"asdf qwerty zxcv", NoneID, ownership.None},
	}
	for _, tc := range cases {
		r := c.Match(tc.text)
		if r.Intent != tc.intent || r.Role != tc.role {
			t.Errorf("Match(%q) = %s/%s (%.2f, alts %v), want %s/%s", tc.text, r.Intent, r.Role, r.Score, r.Alternatives, tc.intent, tc.role)
		}
	}
}

func TestRoleLookup(t *testing.T) {
	c := mustDefault(t)
	cases := []struct {
		text string
		role ownership.Role
	}{
		{"who is the PO for payments?", ownership.ProductOwner},
		{"who's our product manager", ownership.ProductManager},
		{"PM for search?", ownership.ProductManager},
		{"product owner of <#C1|checkout>?", ownership.ProductOwner},
		{"who is the prod manager on the mobile team", ownership.ProductManager},
		{"who's the product-owner here", ownership.ProductOwner},
		{"<@U1> who is PO", ownership.ProductOwner},
		{"who are the PM and the PO for billing", ownership.ProductManager},
		// the team or product after the role is whose PM, not a topic
		{"who's the PO for the fraud detection service", ownership.ProductOwner},
		{"what's the name of the product manager on the warehouse tracking app", ownership.ProductManager},
		{"who is the current pm for the streaming dashboards now that priya moved", ownership.ProductManager},
	}
	for _, tc := range cases {
		r := c.Match(tc.text)
		if r.Intent != "role_lookup" || r.Role != tc.role {
			t.Errorf("Match(%q) = %s/%s, want role_lookup/%s", tc.text, r.Intent, r.Role, tc.role)
		}
	}
}

// TestRoleWithTopic: a question that names a role and a topic, not a
// team, asks about the topic.
func TestRoleWithTopic(t *testing.T) {
	c := mustDefault(t)
	for text, want := range map[string]string{
		"who is the PO for acceptance criteria": "acceptance_criteria",
		"who is the pm for the roadmap":         "roadmap",
		"is the PO in charge of the backlog":    "backlog",
	} {
		if r := c.Match(text); r.Intent != want {
			t.Errorf("Match(%q) = %s, want %s", text, r.Intent, want)
		}
	}
}

func TestResultShape(t *testing.T) {
	c := mustDefault(t)
	for _, text := range []string{"who owns the roadmap", "who is on call", "who sets priorities", "what's for lunch", "who decides"} {
		r := c.Match(text)
		if r.Score < 0 || r.Score > 1 {
			t.Errorf("%q: score %v outside [0,1]", text, r.Score)
		}
		if len(r.Alternatives) > 3 {
			t.Errorf("%q: %d alternatives", text, len(r.Alternatives))
		}
		for i, a := range r.Alternatives {
			if a.Intent == r.Intent || a.Intent == NoneID {
				t.Errorf("%q: alternative %v repeats the result or is none", text, a)
			}
			if i > 0 && a.Score > r.Alternatives[i-1].Score {
				t.Errorf("%q: alternatives not best first: %v", text, r.Alternatives)
			}
		}
		if r.Intent == NoneID && r.Role != ownership.None {
			t.Errorf("%q: none with role %q", text, r.Role)
		}
		if again := c.Match(text); fmt.Sprint(again) != fmt.Sprint(r) {
			t.Errorf("%q: not deterministic: %v then %v", text, r, again)
		}
	}
	if r := c.Match("who is on call this weekend"); r.Intent != NoneID || len(r.Alternatives) != 3 {
		t.Errorf("out of scope should offer 3 closest intents: %+v", r)
	}
}

func TestNearTie(t *testing.T) {
	c := mustDefault(t)
	ties := 0
	for _, text := range []string{"who decides", "who owns stories and the backlog", "who owns planning"} {
		r := c.Match(text)
		if r.NearTie {
			ties++
			if len(r.Alternatives) == 0 {
				t.Errorf("%q: near tie without alternatives", text)
			}
		}
	}
	if r := c.Match("who writes the acceptance criteria"); r.NearTie {
		t.Errorf("a clear question is flagged as a near tie: %+v", r)
	}
}

func TestExtend(t *testing.T) {
	base := mustDefault(t)
	const q = "who looks after the pricing page experiments"
	before := base.Match(q)
	if before.Intent == "business_case" {
		t.Fatalf("test premise: %q already matches business_case", q)
	}
	ext, err := base.Extend(
		[]ownership.CustomIntent{{ID: "security_review", Role: ownership.ProductOwner, Why: "The PO books the security review.",
			Phrases: []string{"who books the security review", "who arranges the pen test", "security review owner"}}},
		[]ownership.TaughtPhrase{{Phrase: q, Intent: "business_case"}, {Phrase: "who picks the coffee beans", Intent: NoneID}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if r := ext.Match(q); r.Intent != "business_case" || r.Role != ownership.ProductManager {
		t.Errorf("taught phrase: got %+v", r)
	}
	if r := ext.Match("Who looks after the pricing-page experiments?"); r.Intent != "business_case" {
		t.Errorf("taught phrase, other spelling: got %+v", r)
	}
	if r := ext.Match("who books the security reviews for checkout"); r.Intent != "security_review" || r.Role != ownership.ProductOwner {
		t.Errorf("custom intent: got %+v", r)
	}
	if r := ext.Match("who writes acceptance criteria"); r.Intent != "acceptance_criteria" {
		t.Errorf("built-in intent after Extend: got %+v", r)
	}
	in, ok := ext.Get("security_review")
	if !ok || !in.Custom || in.Title == "" {
		t.Errorf("custom intent: Get = %+v, %v", in, ok)
	}
	all := ext.Intents()
	if all[len(all)-1].ID != "security_review" {
		t.Errorf("custom intents come last")
	}
	// the base catalogue is unchanged
	if r := base.Match(q); fmt.Sprint(r) != fmt.Sprint(before) {
		t.Errorf("base catalogue changed: %+v, was %+v", r, before)
	}
	if _, ok := base.Get("security_review"); ok {
		t.Error("base catalogue gained the custom intent")
	}
	if in, _ := base.Get("business_case"); len(in.Phrases) != len(mustGet(t, ext, "business_case").Phrases)-1 {
		t.Error("taught phrase leaked into the base catalogue")
	}

	bad := []struct {
		name   string
		custom []ownership.CustomIntent
		taught []ownership.TaughtPhrase
		want   string
	}{
		{"built-in id", []ownership.CustomIntent{{ID: "roadmap", Role: ownership.ProductManager, Phrases: []string{"x"}}}, nil, "reuses a built-in intent id"},
		{"duplicate custom", []ownership.CustomIntent{{ID: "a", Role: "x", Phrases: []string{"aa"}}, {ID: "a", Role: "x", Phrases: []string{"bb"}}}, nil, "duplicate id"},
		{"bad id", []ownership.CustomIntent{{ID: "Not OK", Role: "x"}}, nil, "id must be"},
		{"no role", []ownership.CustomIntent{{ID: "a"}}, nil, "needs a role"},
		{"empty custom phrase", []ownership.CustomIntent{{ID: "a", Role: "x", Phrases: []string{" "}}}, nil, "phrase 1 is empty"},
		{"unknown intent", nil, []ownership.TaughtPhrase{{Phrase: "hello there", Intent: "nope"}}, `unknown intent "nope"`},
		{"empty taught", nil, []ownership.TaughtPhrase{{Phrase: "  ", Intent: "roadmap"}}, "is empty"},
	}
	for _, tc := range bad {
		if _, err := base.Extend(tc.custom, tc.taught); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	if same, err := base.Extend(nil, nil); err != nil || same != base {
		t.Errorf("Extend with nothing should return the catalogue itself")
	}
}

func mustGet(t *testing.T, c *Catalogue, id string) Intent {
	t.Helper()
	in, ok := c.Get(id)
	if !ok {
		t.Fatalf("no intent %q", id)
	}
	return in
}

func TestIntentsReturnsCopies(t *testing.T) {
	c := mustDefault(t)
	all := c.Intents()
	all[0].Phrases[0] = "changed"
	all[0].ID = "changed"
	if c.Intents()[0].ID == "changed" || c.Intents()[0].Phrases[0] == "changed" {
		t.Fatal("Intents exposes the catalogue's own slices")
	}
}

func TestConcurrentMatch(t *testing.T) {
	c := mustDefault(t)
	questions := benchQuestions
	want := make([]Result, len(questions))
	for i, q := range questions {
		want[i] = c.Match(q)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				i := (g*31 + n) % len(questions)
				if got := c.Match(questions[i]); fmt.Sprint(got) != fmt.Sprint(want[i]) {
					t.Errorf("concurrent Match(%q) = %v, want %v", questions[i], got, want[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}
