package descriptor

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/internal/json5"
)

// Product is the Atlassian product a descriptor is for. Jira Service
// Management apps are Jira apps (atlas-connect writes "product": "jira"
// for them), with the serviceDesk* modules.
type Product string

// The products connectgen knows.
const (
	Bitbucket  Product = "bitbucket"
	Jira       Product = "jira"
	Confluence Product = "confluence"
)

// Products lists the product names --product and config.json accept.
var Products = []string{"bitbucket", "jira", "confluence", "jira-service-desk"}

// ParseProduct reads a product name, case-insensitively; jira-service-desk
// is Jira, as atlas-connect maps it.
func ParseProduct(s string) (Product, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "bitbucket":
		return Bitbucket, nil
	case "jira", "jira-service-desk":
		return Jira, nil
	case "confluence":
		return Confluence, nil
	}
	msg := fmt.Sprintf("unknown product %q (known: %s)", s, strings.Join(Products, ", "))
	if c := closest(s, Products); c != "" {
		msg += fmt.Sprintf("; did you mean %q?", c)
	}
	return "", fmt.Errorf("%s", msg)
}

// Title is the product's name for messages: "Bitbucket", "Jira", "Confluence".
func (p Product) Title() string {
	switch p {
	case Jira:
		return "Jira"
	case Confluence:
		return "Confluence"
	}
	return "Bitbucket"
}

// Cloud says whether p is Jira or Confluence: the products whose installs
// are signed by Atlassian and whose scopes are READ, WRITE, ….
func (p Product) Cloud() bool { return p == Jira || p == Confluence }

var (
	//go:embed schema-jira.json
	schemaJiraJSON []byte
	//go:embed schema-confluence.json
	schemaConfluenceJSON []byte
)

func schemaSource(p Product) []byte {
	switch p {
	case Jira:
		return schemaJiraJSON
	case Confluence:
		return schemaConfluenceJSON
	}
	return schemaJSON
}

// SchemaFor returns the JSON Schema (draft 2020-12) of product p's
// descriptor that Validate checks, for editors and other validators.
func SchemaFor(p Product) []byte { return append([]byte(nil), schemaSource(p)...) }

// ProductFromConfig returns the product config.json names (ACE's
// "product"), or "" when it names none. src is read as JSON5, as ACE
// reads it.
func ProductFromConfig(src []byte) (Product, error) {
	doc, err := json5.Parse(src)
	if err != nil {
		return "", fmt.Errorf("config.json: %w", err)
	}
	n := doc.Root.Get("product")
	if n == nil {
		return "", nil
	}
	if n.Kind != json5.String {
		return "", fmt.Errorf("config.json: product is %s, not a string", article(n.Kind))
	}
	p, err := ParseProduct(n.Str)
	if err != nil {
		return "", fmt.Errorf("config.json: %w", err)
	}
	return p, nil
}

// moduleKinds lists, per product, the module kinds of its module
// reference, read from the embedded schemas; Bitbucket's are those of
// schema.json.
func moduleKinds(p Product) []string {
	s := compiledSchema(p)
	mods := s.properties["modules"]
	if mods != nil && mods.ref != nil {
		mods = mods.ref
	}
	if mods == nil {
		return nil
	}
	return mods.propNames
}

// productOfKind returns the products whose module reference has kind.
func productOfKind(kind string) []Product {
	var ps []Product
	for _, p := range []Product{Bitbucket, Jira, Confluence} {
		if isKnown(moduleKinds(p), kind) {
			ps = append(ps, p)
		}
	}
	return ps
}

// DetectProduct guesses the product of a descriptor from what only one
// product has: module kinds (jiraIssueGlances, staticContentMacros,
// repoPages, …), page locations, scopes (READ vs repository) and
// apiMigrations, which ACE deletes from Bitbucket descriptors. It returns
// Bitbucket when nothing points elsewhere, and the reason for its choice.
func DetectProduct(root *json5.Node) (Product, string) {
	score := map[Product]int{}
	reasons := map[Product][]string{}
	vote := func(p Product, why string) {
		score[p]++
		if len(reasons[p]) < 2 {
			reasons[p] = append(reasons[p], why)
		}
	}
	if mods := root.Get("modules"); mods != nil && mods.Kind == json5.Object {
		for _, m := range mods.Members {
			ps := productOfKind(m.Key)
			if len(ps) == 1 {
				vote(ps[0], "module kind "+m.Key)
			}
			if m.Value.Kind != json5.Array {
				continue
			}
			for _, e := range m.Value.Elems {
				loc, _ := str(e.Get("location"))
				switch {
				case strings.HasPrefix(loc, "org.bitbucket."):
					vote(Bitbucket, "location "+loc)
				case strings.HasPrefix(loc, "jira.") || strings.HasPrefix(loc, "atl.jira") || loc == "system.top.navigation.bar" || strings.HasPrefix(loc, "atl.admin") || strings.HasPrefix(loc, "servicedesk"):
					vote(Jira, "location "+loc)
				case strings.HasPrefix(loc, "system.header") || strings.HasPrefix(loc, "system.content") || strings.HasPrefix(loc, "confluence.") || strings.HasPrefix(loc, "system.admin") || strings.HasPrefix(loc, "system.space"):
					vote(Confluence, "location "+loc)
				}
			}
		}
	}
	if scopes := root.Get("scopes"); scopes != nil && scopes.Kind == json5.Array {
		for _, e := range scopes.Elems {
			s, _ := str(e)
			switch {
			case strings.EqualFold(s, "space_admin"):
				vote(Confluence, "scope "+s)
			case strings.EqualFold(s, "project_admin"):
				vote(Jira, "scope "+s)
			case isKnown(knownScopes, s):
				vote(Bitbucket, "scope "+s)
			}
		}
	}
	// Scopes in capitals and apiMigrations say "Jira or Confluence"
	// without saying which: Jira, atlas-connect's default, unless
	// Confluence has more to show.
	jc := 0
	if scopes := root.Get("scopes"); scopes != nil && scopes.Kind == json5.Array {
		for _, e := range scopes.Elems {
			if s, _ := str(e); isKnown(cloudScopes, strings.ToUpper(s)) {
				jc++
			}
		}
	}
	if root.Get("apiMigrations") != nil {
		jc++
	}
	best := Bitbucket
	if score[Jira] > 0 || score[Confluence] > 0 || jc > 0 {
		best = Jira
		if score[Confluence] > score[Jira] {
			best = Confluence
		}
		if score[Bitbucket] > score[best] && jc == 0 {
			best = Bitbucket
		}
	}
	why := reasons[best]
	if len(why) == 0 {
		if best == Bitbucket {
			return best, "nothing in the descriptor is Jira's or Confluence's"
		}
		return best, "scopes or apiMigrations of Jira and Confluence, and no module only Confluence has"
	}
	sort.Strings(why)
	return best, strings.Join(why, ", ")
}

// ProductBeside returns the product named by the config.json beside a
// descriptor read by Read from source as name: "" when there is none, or
// when the descriptor came from a URL or standard input. A config.json
// that cannot be read as ACE reads it is an error naming the file.
func ProductBeside(name, source string) (Product, error) {
	if source == "-" || IsURL(source) {
		return "", nil
	}
	cfg := filepath.Join(filepath.Dir(name), "config.json")
	b, err := os.ReadFile(cfg)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	p, err := ProductFromConfig(b)
	if err != nil {
		return "", fmt.Errorf("%s%s", cfg, strings.TrimPrefix(err.Error(), "config.json"))
	}
	return p, nil
}
