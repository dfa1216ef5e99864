package descriptor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/internal/json5"
)

// Products lists the product names --product and config.json accept.
var Products = ProductNames()

// ParseProduct reads a product name or alias, case-insensitively;
// jira-service-desk is Jira, as atlas-connect maps it.
func ParseProduct(s string) (Product, error) {
	if p, ok := lookupProduct(s); ok {
		return p, nil
	}
	msg := fmt.Sprintf("unknown product %q (known: %s)", s, strings.Join(Products, ", "))
	if c := closest(s, Products); c != "" {
		msg += fmt.Sprintf("; did you mean %q?", c)
	}
	return "", fmt.Errorf("%s", msg)
}

func schemaSource(p Product) []byte { return p.Info().schema }

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
	for _, p := range products {
		if isKnown(moduleKinds(p.Product), kind) {
			ps = append(ps, p.Product)
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
				if p := locationProduct(loc); p != "" {
					vote(p, "location "+loc)
				}
			}
		}
	}
	if scopes := root.Get("scopes"); scopes != nil && scopes.Kind == json5.Array {
		for _, e := range scopes.Elems {
			s, _ := str(e)
			if p := scopeProduct(s); p != "" {
				vote(p, "scope "+s)
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
	// The default product unless a Cloud-rules product has more to show;
	// among those, the first in the table (Jira, atlas-connect's
	// default) on a tie.
	def := DefaultProduct()
	best := def
	var cloud []string
	for _, p := range products {
		if p.CloudRules {
			cloud = append(cloud, p.Title)
		}
	}
	cloudBest := Product("")
	for _, p := range products {
		if p.CloudRules && (cloudBest == "" || score[p.Product] > score[cloudBest]) {
			cloudBest = p.Product
		}
	}
	if cloudBest != "" && (score[cloudBest] > 0 || jc > 0) {
		best = cloudBest
		if score[def] > score[best] && jc == 0 {
			best = def
		}
	}
	why := reasons[best]
	if len(why) == 0 {
		if best == def {
			return best, "nothing in the descriptor is " + strings.Join(cloud, "'s or ") + "'s"
		}
		var others []string
		for _, t := range cloud {
			if t != best.Title() {
				others = append(others, t)
			}
		}
		return best, "scopes or apiMigrations of " + strings.Join(cloud, " and ") + ", and no module only " + strings.Join(others, " or ") + " has"
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
