package intent

// The lexicon is language knowledge shared by every catalogue: abbreviations,
// multi-word terms, synonyms and stop words. It lives in code rather than in
// intents/ because it is not about any one intent; the catalogue data only has
// to use ordinary words and the lexicon makes variants meet.

// abbreviations expand a single word before stemming, so "AC" and
// "acceptance criteria" (or "whos" and "who is") produce the same terms.
var abbreviations = map[string]string{
	"ac": "acceptance criteria", "acs": "acceptance criteria",
	"po": "product owner", "pos": "product owner", "ppo": "product owner",
	"pm": "product manager", "pms": "product manager", "mgr": "manager", "mgmt": "management",
	"uat": "user acceptance testing", "uats": "user acceptance testing",
	"gtm": "go to market", "nps": "net promoter score", "roi": "return on investment",
	"dor": "definition of ready", "dod": "definition of done",
	"kpi": "kpi", "kpis": "kpi", "okr": "okr", "okrs": "okr",
	"csat": "customer satisfaction", "pmf": "product market fit",
	"whos": "who is", "whose": "who", "whats": "what is", "wheres": "where is", "hows": "how is",
	"prio": "priority", "prios": "priority", "reqs": "requirements", "req": "requirement",
	"eng": "engineer", "engs": "engineer", "biz": "business", "comms": "communication",
	"q1": "quarter", "q2": "quarter", "q3": "quarter", "q4": "quarter", "h1": "half year", "h2": "half year",
	"eoy": "end of year", "yoy": "year", "k8s": "kubernetes", "db": "database", "dbs": "database",
	"infra": "infrastructure", "pto": "time off", "pr": "pull request", "prs": "pull request",
	"vp": "executive", "vps": "executive", "ceo": "executive", "cto": "executive", "cpo": "executive", "cxo": "executive",
	"thx": "thanks", "ty": "thanks", "pls": "please", "plz": "please", "u": "you", "ur": "your",
	"qa": "quality assurance", "ux": "user experience", "ui": "user interface",
	"asap": "soon", "vs": "versus", "v": "versus", "mvp": "minimum viable product",
	"dau": "active user", "mau": "active user", "wau": "active user", "longterm": "long term",
	"prd": "requirement document", "prds": "requirement document", "brd": "requirement document",
	"arr": "revenue", "mrr": "revenue", "eol": "end of life", "ci": "cicd", "cd": "cicd", "sre": "infrastructure",
	"hr": "hr", "pen": "pen", "pentest": "pentest", "appsec": "security", "infosec": "security",
	"aws": "aws", "gcp": "gcp", "vpn": "vpn", "sso": "sso", "mfa": "mfa", "api": "api", "apis": "api",
}

// concepts join multi-word terms into units ("edge case" → edgecase) or give
// them the meaning of a simpler word ("sprint review" → demo). Keys are
// matched after stemming, so plurals and -ing forms match too. A target may
// be several words.
var concepts = [][2]string{
	{"product owner", "po"}, {"prod owner", "po"}, {"product ownership", "po"},
	{"product manager", "pm"}, {"prod manager", "pm"}, {"product management", "pm"}, {"product mgmt", "pm"},
	{"acceptance criteria", "ac"}, {"acceptance criterion", "ac"}, {"acceptance condition", "ac"},
	{"user acceptance testing", "uat test"}, {"user acceptance test", "uat test"}, {"acceptance testing", "uat test"}, {"acceptance test", "uat test"},
	{"definition of ready", "ready ac"}, {"definition of done", "done"},
	{"go to market", "gtm"}, {"net promoter score", "nps"}, {"net promoter", "nps"},
	{"return on investment", "roi invest"},
	{"user story", "story"}, {"north star", "vision"},
	{"edge case", "edgecase"}, {"corner case", "edgecase"}, {"trade off", "tradeoff"},
	{"sprint review", "demo"}, {"show and tell", "demo"}, {"demo day", "demo"},
	{"what to build", "vision build"}, {"what we build", "vision build"}, {"what we should build", "vision build"}, {"what should we build", "vision build"},
	{"what we should be building", "vision build"}, {"what should we be building", "vision build"}, {"what gets built", "vision build"},
	{"good morning", "hello"}, {"good afternoon", "hello"}, {"good evening", "hello"}, {"good day", "hello"},
	{"on call", "oncall"}, {"sign off", "accept"},
	{"day to day", "daily"}, {"every day", "daily"}, {"each day", "daily"},
	{"product market fit", "pmf market"}, {"market fit", "pmf market"},
	{"burn down", "burndown"}, {"burn up", "burndown"},
	{"customer satisfaction", "satisfaction"}, {"voice of the customer", "voc customer"}, {"voice of customer", "voc customer"},
	{"stack rank", "rank"}, {"c suite", "executive"}, {"c level", "executive"},
	{"senior management", "executive"}, {"upper management", "executive"}, {"senior leadership", "executive"},
	{"look after", "handle"}, {"take care of", "handle"}, {"keep an eye on", "track"}, {"keep tabs on", "track"},
	{"keep track of", "track"}, {"in charge", "own"}, {"go between", "coordinate"}, {"same page", "align"},
	{"stand up", "standup"}, {"key performance indicator", "kpi"}, {"key result", "okr"}, {"objectives and key results", "okr"},
	{"cycle time", "cycletime"}, {"lead time", "cycletime"}, {"time off", "leave"},
	{"pull request", "pullrequest"}, {"merge request", "pullrequest"}, {"green light", "approve"}, {"thumbs up", "approve"},
	{"shut down", "kill"}, {"roll out", "launch"}, {"road map", "roadmap"}, {"quality assurance", "test"},
	{"reach out", "ask"}, {"break down", "split"}, {"break up", "split"}, {"story point", "storypoint"},
	{"active user", "adoption"}, {"user experience", "design"}, {"user interface", "design"},
	{"half year", "quarter"}, {"make the call", "decide"}, {"make a call", "decide"}, {"figure out", "decide"}, {"work out", "decide"},
	{"on board", "align"}, {"stop building", "kill"}, {"stop investing", "kill invest"}, {"stop funding", "kill invest"},
	{"left out", "cut"}, {"leave out", "cut"}, {"engineering manager", "engmanager"}, {"eng manager", "engmanager"},
	{"project manager", "projectmanager"}, {"program manager", "projectmanager"}, {"delivery manager", "projectmanager"},
	{"scrum master", "scrummaster"}, {"agile coach", "scrummaster"}, {"tech lead", "techlead"}, {"technical lead", "techlead"},
	{"team lead", "techlead"}, {"line manager", "engmanager"}, {"market share", "marketshare"}, {"pick up", "take"}, {"take on", "take"},
	// a PO is also a purchase order: raised, numbered and invoiced it is
	// procurement, not a product owner ("po" has expanded to "product owner" here)
	{"purchase order", "purchaseorder"}, {"raise a product owner", "raise purchaseorder"},
	{"raise the product owner", "raise purchaseorder"}, {"raise product owner", "raise purchaseorder"},
	{"product owner raised", "purchaseorder raise"}, {"product owner number", "purchaseorder number"},
	{"product owner invoice", "purchaseorder invoice"},
	// chat idioms for owning, deciding, informing, comparing and slipping
	{"on the hook", "own"}, {"point of contact", "contact"}, {"point person", "person"}, {"go to person", "person"},
	{"final say", "decide"}, {"last word", "decide"}, {"final call", "decide"}, {"call the shot", "decide"},
	{"get to say", "decide"}, {"has a say", "decide"}, {"have a say", "decide"}, {"get to decide", "decide"},
	{"in the loop", "inform"}, {"keep posted", "inform"}, {"heads up", "inform"}, {"in the first place", ""},
	{"stack up", "compare"}, {"measure up", "compare"}, {"look into", "research"}, {"dig into", "research"},
	{"fall behind", "slip"}, {"behind schedule", "slip"}, {"running late", "slip"}, {"off track", "slip"},
	{"good enough", "acceptable"}, {"as a user", "story"}, {"show off", "demo"}, {"walk through", "demo"},
	{"go live", "launch"}, {"release note", "announcement"}, {"purse string", "invest"}, {"end of life", "kill"},
	{"move up", "expedite"}, {"bump up", "expedite"}, {"link between", "coordinate"}, {"catch up", "meeting"},
	{"make that call", "decide"}, {"make this call", "decide"}, {"to market", "gtm"}, {"to the market", "gtm"},
	{"pain point", "problem"}, {"show me", ""}, {"chart the course", "strategy"}, {"set the course", "strategy"},
	{"game plan", "strategy"}, {"stand for", "vision"}, {"close out", "done"}, {"sales rep", "sales"}, {"sales team", "sales"}, {"big picture", "vision"},
	// out-of-scope multi-word terms
	{"pen test", "pentest"}, {"penetration test", "pentest"}, {"security review", "security"}, {"threat model", "security"},
	{"tech stack", "architecture"}, {"technology stack", "architecture"}, {"data model", "schema"}, {"load balancer", "infrastructure"},
	{"code review", "code"}, {"code owner", "codeowner"}, {"unit test", "code"}, {"integration test", "code"}, {"automated test", "code"},
	{"test automation", "code"}, {"test coverage", "code"}, {"flaky test", "code"}, {"load test", "infrastructure"},
	{"ci cd", "cicd"}, {"build pipeline", "cicd"}, {"build server", "cicd"}, {"new monitor", "hardware"}, {"second monitor", "hardware"},
	{"my monitor", "hardware"}, {"external monitor", "hardware"}, {"meeting room", "office"}, {"air conditioning", "office"},
	{"bank holiday", "leave"}, {"public holiday", "leave"}, {"annual leave", "leave"}, {"hiring manager", "hiring"},
	{"expense claim", "expense"}, {"expense report", "expense"}, {"google cloud", "gcp"},
	{"jump the queue", "expedite"}, {"jump ahead", "expedite"}, {"skip the line", "expedite"}, {"skip the queue", "expedite"}, {"cut the line", "expedite"}, {"fast track", "expedite"}, {"buy in", "align"}, {"end of year", "year"}, {"user research", "customer research"},
}

// synonyms fold words that mean the same here into the first word of each
// group. Only true equivalents for this domain belong here: a fold that is
// wrong in one intent hurts every other.
var synonyms = [][]string{
	{"own", "owner", "ownership", "responsible", "accountable", "accountability", "charge"},
	{"decide", "decision", "determine", "choose", "chose", "pick", "select", "settle", "decider", "arbitrate"},
	{"define", "set", "specify", "establish", "outline", "articulate"},
	{"write", "wrote", "written", "author", "draft", "compose", "formulate", "craft", "jot"},
	{"split", "slice", "break", "decompose", "breakdown", "chunk", "carve", "subdivide"},
	{"refine", "refinement", "groom", "tidy", "curate", "prune", "declutter", "housekeeping"},
	{"competitor", "competition", "competitive", "competing", "compete", "rival", "rivals"},
	{"customer", "client", "user", "buyer", "consumer", "customers", "shopper", "subscriber", "enduser"},
	{"feedback", "input", "complaint", "opinion", "suggestion"},
	{"research", "study", "investigate", "analysis", "analyze", "analyse"},
	{"trend", "shift"},
	{"executive", "exec", "leadership", "leader", "director", "vp", "svp", "evp", "founder", "steerco"},
	{"dev", "developer", "engineer", "engineering", "programmer", "coder"},
	{"sprint", "iteration"},
	{"goal", "objective", "target", "aim"},
	{"vision", "mission", "visionary", "ambition"},
	{"strategy", "strategic", "strategically", "direction"},
	{"invest", "investment", "fund", "funding", "budget", "money", "spend", "spending", "financial", "financials", "finance", "profitability", "profit", "profitable", "capex", "opex", "cheque"},
	{"demo", "demonstrate", "showcase", "walkthrough", "show"},
	{"test", "tester", "testing"},
	{"verify", "validate", "validation", "confirm"},
	{"accept", "acceptance", "signoff"},
	{"done", "complete", "completed", "finished", "finish"},
	{"requirement", "spec", "specification"},
	{"clarify", "clarification", "explain", "explanation", "elaborate", "interpret"},
	{"tradeoff", "tradeoffs"},
	{"behave", "behaviour", "behavior"},
	{"coordinate", "coordination", "liaise", "liaison", "bridge", "sync", "intermediary", "middleman"},
	{"meeting", "session", "ceremony", "meet", "huddle", "catchup"},
	{"daily", "everyday"},
	{"team", "squad", "crew", "tribe", "pod"},
	{"sales", "salespeople", "seller", "salesperson", "rep"},
	{"launch", "rollout", "unveil", "golive"},
	{"hello", "hi", "hey", "hiya", "howdy", "yo", "greetings", "morning", "afternoon", "evening", "heya", "hallo", "hola"},
	{"priority", "prioritize", "prioritization", "important", "importance"},
	{"rank", "reorder", "rerank", "ranking", "order", "ordering"},
	{"metric", "metrics", "measure", "measurement", "stats", "statistics"},
	{"revenue", "income"},
	{"satisfaction", "happiness", "happy", "unhappy"},
	{"adoption", "adopt", "usage", "uptake", "engagement"},
	{"communicate", "communication", "inform", "brief", "briefing"},
	{"align", "alignment"},
	{"bug", "defect", "glitch"},
	{"ticket", "issue", "task", "item"},
	{"velocity", "throughput", "pace"},
	{"deliver", "delivery"},
	{"epic", "initiative"},
	{"do", "does", "did", "doing"},
	{"go", "goes", "going", "went", "gone"},
	{"difference", "differ", "different", "distinguish", "versus"},
	{"who", "whom", "whoever"},
	{"help", "assist"},
	{"ask", "contact", "ping"},
	{"talk", "speak", "chat"},
	{"handle", "manage", "maintain", "oversee"},
	{"present", "presentation"},
	{"approve", "approval"},
	{"kill", "sunset", "discontinue", "deprecate", "retire", "scrap", "axe", "shelve"},
	{"track", "monitor", "watch", "follow"},
	{"position", "positioning"},
	{"message", "messaging"},
	{"person", "someone", "somebody", "people", "anyone", "anybody", "guy", "folks", "one"},
	{"story", "stories"},
	{"option", "variant", "alternative", "version", "variation", "flavour", "flavor"},
	{"slip", "slippage", "delay", "delayed", "late", "lag"},
	{"retention", "churn"},
	{"burndown", "burnup"},
	{"ac", "criteria", "criterion", "gherkin"},
	{"market", "niche"},
	{"company", "organization", "organisation", "org"},
	{"year", "yearly", "annual", "annually"},
	{"next", "upcoming"},
	{"why", "rationale", "reasoning"},
	{"problem", "struggle", "frustration"},
	{"unclear", "ambiguous", "ambiguity", "vague", "confusing", "confused"},
	{"expedite", "bump"},
	// Out-of-scope vocabulary: each group folds a field the bot does not
	// cover onto one word that the out-of-scope examples use, so any member
	// ("gcp", "terraform", "payslip") points away from product ownership
	// even when the examples never name it.
	{"infrastructure", "aws", "gcp", "azure", "cloud", "kubernetes", "cluster", "terraform", "docker", "container",
		"server", "dns", "ssl", "certificate", "bucket", "iam", "firewall", "cdn", "helm", "hosting", "vpc", "ec2",
		"devops", "backup", "logging", "observability", "grafana", "datadog", "cicd", "jenkins"},
	{"code", "repo", "repository", "codebase", "microservice", "library", "sdk", "endpoint", "codeowner", "codeowners",
		"branch", "merge", "pullrequest", "git", "github", "gitlab", "script", "flaky", "compile", "refactor"},
	{"oncall", "pager", "pagerduty", "incident", "outage", "postmortem", "alert", "downtime", "rota"},
	{"deploy", "deployment", "hotfix", "rollback", "staging", "prod"},
	{"architecture", "architect", "schema", "database", "framework", "kafka", "postgres", "mysql", "redis", "rabbitmq",
		"monolith", "backend", "frontend", "api", "graphql", "grpc", "protocol", "broker", "cache", "caching", "orm", "sql", "migration"},
	{"security", "pentest", "vulnerability", "cve", "compliance", "gdpr", "privacy", "legal", "lawyer", "contract",
		"nda", "trademark", "licence", "license", "licensing", "audit"},
	{"hardware", "laptop", "computer", "keyboard", "headset", "printer", "password", "vpn", "wifi", "okta", "sso", "mfa",
		"macbook", "charger", "headphones", "webcam"},
	{"payroll", "salary", "payslip", "paycheck", "bonus", "pension", "expense", "reimbursement", "reimburse", "timesheet",
		"invoice", "invoices", "supplier", "suppliers", "procurement", "purchaseorder",
		"overtime", "insurance", "dental", "hr", "hiring", "hire", "recruiting", "recruiter", "recruitment", "candidate"},
	{"office", "desk", "parking", "kitchen", "coffee", "badge", "heating", "cafeteria", "canteen", "toilet", "facilities", "aircon"},
	{"joke", "funny", "weather", "rain", "movie", "film", "football", "soccer", "music", "match", "league", "tournament",
		"penalty", "penalties", "playoff", "playoffs", "basketball", "tennis", "cricket", "rugby", "hockey"},
	{"leave", "vacation", "holiday", "holidays", "sick", "parental", "maternity", "paternity", "sabbatical"},
	{"lunch", "dinner", "breakfast", "food", "snack", "pizza", "catering"},
}

// stopWords carry no meaning for routing. Question words, "is", "do", "can"
// and "you" stay: they separate "who is the PO" from "what does a PO do" and
// from "what can you do".
var stopWords = []string{
	"the", "a", "an", "of", "for", "to", "in", "on", "at", "by", "with", "from", "about", "into", "onto",
	"our", "my", "your", "their", "his", "her", "its", "this", "that", "these", "those", "it", "we", "i",
	"me", "us", "they", "them", "be", "are", "was", "were", "am", "been", "being", "and", "or", "so",
	"just", "any", "some", "there", "here", "please", "also", "really", "actually", "currently", "right",
	"now", "around", "all", "would", "could", "might", "will", "shall", "exactly", "usually", "normally",
	"typically", "generally", "basically", "anyway", "then", "well", "even", "too", "very", "quite", "ok",
	"okay", "hmm", "um", "uh", "quick", "q", "wondering", "curious", "tell",
	"if", "whether", "as", "than", "like", "thanks", "thank", "cheers",
	"have", "has", "had",
}

// teamNouns mark the word before them as a team name ("the mobile team"),
// which must not steer the match.
var teamNouns = []string{"team", "squad", "tribe", "crew", "pod", "group", "channel"}

// holderNouns, with teamNouns, end the name of what a role holder is
// responsible for ("the PM for the tracking app"), after a question that
// asks who holds the role.
var holderNouns = []string{"app", "apps", "application", "service", "platform", "portal", "product",
	"site", "website", "tool", "system", "dashboard", "area", "feature"}

// teamPrepositions introduce a team name ("for checkout", "on payments").
var teamPrepositions = []string{"for", "on", "in", "of", "at", "from"}

// functionWords stay as words but never form pairs: almost every question
// starts with them, so "who decides" or "how do" says nothing about the topic.
var functionWords = []string{"who", "what", "how", "which", "where", "when", "why", "is", "do", "can", "should"}
