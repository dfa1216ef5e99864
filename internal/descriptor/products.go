package descriptor

import (
	_ "embed"
	"strings"
)

// This file is connectgen's product table: every fact about a product
// that more than one package needs (names, title, schema, rules, install
// signing, templates, the local host's labels) is one field of its entry
// here, and the other packages read it through Product.Info, ParseProduct
// and AllProducts. Adding a product is one entry here plus one profile in
// internal/hostsim.

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

// ProductInfo is one product's entry in the product table.
type ProductInfo struct {
	// Product is the product's name in config.json's product and
	// --product.
	Product Product
	// Aliases are other names ParseProduct reads as the product:
	// jira-service-desk is Jira, as atlas-connect maps it.
	Aliases []string
	// Title is the product's name for messages: "Jira".
	Title string
	// Default marks the product a descriptor is for when nothing in it
	// points elsewhere (Bitbucket, connectgen's first product).
	Default bool
	// CloudRules says the descriptor follows the Jira/Confluence Cloud
	// rules: scopes READ, WRITE, … (each implying the lower ones),
	// apiMigrations, unknown properties only warned about (the products
	// ignore them). Without it: Bitbucket's scopes (repository,
	// pullrequest:write, …) and unknown properties are errors.
	CloudRules bool
	// SignedInstall says the product signs the installed event with
	// Atlassian's RS256 key (fetched by the app from the key CDN); without
	// it the first install is unsigned and later lifecycle events are
	// HS256 with the shared secret.
	SignedInstall bool
	// PrivateInstallsBlocked says the product's sites no longer install
	// private Connect apps from a descriptor URL (since 2026-03-31), so
	// install links and registering with a site do not apply.
	PrivateInstallsBlocked bool
	// ForgeMigration says connectgen forge link/plan move this product's
	// Connect apps to Forge.
	ForgeMigration bool
	// SampleParam is a context parameter of the product for examples in
	// messages.
	SampleParam string
	// TunnelAdvice says how to serve an app on http to the real product.
	TunnelAdvice string
	// ScopeIncrease says what the product does when an update asks for
	// more scopes.
	ScopeIncrease string
	// Locations are well-known web sections of the product, for the
	// did-you-mean of a near miss only.
	Locations []string
	// PageKinds are the module kinds whose pages the local host loads.
	PageKinds []ModuleKind
	// LocationPrefixes are page locations only this product has, for
	// DetectProduct.
	LocationPrefixes []string
	// LocationsExact are whole location names only this product has.
	LocationsExact []string
	// OnlyScopes are scopes only this product has, for DetectProduct;
	// with CloudRules they are read in any case, as the products do.
	OnlyScopes []string

	// Templates are `connectgen new` templates for the product, the first
	// the product's own; Descriptions are their default descriptions.
	Templates    []string
	Descriptions []string

	// APIExample is a path of the product's REST API, for messages.
	APIExample string
	// Sidebar are the product's own entries at the top of the local
	// host page's sidebar.
	Sidebar []string
	// Areas moves module kinds to other sidebar areas than Bitbucket's
	// (kind → area).
	Areas map[string]string

	schema []byte
	events []string
}

var (
	//go:embed schema-jira.json
	schemaJiraJSON []byte
	//go:embed schema-confluence.json
	schemaConfluenceJSON []byte
)

// products is the product table, in the order products are listed.
var products = []*ProductInfo{
	{
		Product:          Bitbucket,
		Title:            "Bitbucket",
		Default:          true,
		ForgeMigration:   true,
		SampleParam:      "{repository.full_name}",
		TunnelAdvice:     "use an https tunnel (connectgen run) before installing on bitbucket.org",
		ScopeIncrease:    "Bitbucket emails the workspace owners, who must approve the new scopes; until they do, installations keep the previous descriptor",
		LocationPrefixes: []string{"org.bitbucket."},
		OnlyScopes:       knownScopes,
		PageKinds:        pageKinds,
		Templates:        []string{"bitbucket"},
		Descriptions:     []string{"A Bitbucket Cloud Connect app"},
		APIExample:       "/2.0/user",
		Sidebar:          []string{"Source", "Commits", "Branches", "Pull requests"},
	},
	{
		Product:                Jira,
		Aliases:                []string{"jira-service-desk"},
		Title:                  "Jira",
		CloudRules:             true,
		SignedInstall:          true,
		PrivateInstallsBlocked: true,
		SampleParam:            "{issue.key}",
		LocationPrefixes:       []string{"jira.", "atl.jira", "atl.admin", "servicedesk"},
		LocationsExact:         []string{"system.top.navigation.bar"},
		OnlyScopes:             []string{"project_admin"},
		Locations:              jiraLocations,
		PageKinds:              append(append([]ModuleKind(nil), pageKinds...), cloudPageKinds...),
		Templates:              []string{"jira", "jira-service-desk"},
		Descriptions:           []string{"A Jira Cloud Connect app", "A Jira Service Management Cloud Connect app"},
		APIExample:             "/rest/api/3/myself",
		Sidebar:                []string{"Timeline", "Backlog", "Board", "Issues"},
		Areas: map[string]string{
			KindGeneralPage: "Apps", KindAdminPage: "Administration", KindConfigurePage: "Administration",
			KindWebPanel: "Issue SAMP-1", KindWebItem: "Issue SAMP-1",
		},
		schema: schemaJiraJSON,
		events: jiraEvents,
	},
	{
		Product:                Confluence,
		Title:                  "Confluence",
		CloudRules:             true,
		SignedInstall:          true,
		PrivateInstallsBlocked: true,
		SampleParam:            "{content.id}",
		LocationPrefixes:       []string{"system.header", "system.content", "confluence.", "system.admin", "system.space"},
		OnlyScopes:             []string{"space_admin"},
		Locations:              confluenceLocations,
		PageKinds:              append(append([]ModuleKind(nil), pageKinds...), cloudPageKinds...),
		Templates:              []string{"confluence"},
		Descriptions:           []string{"A Confluence Cloud Connect app"},
		APIExample:             "/wiki/rest/api/user/current",
		Sidebar:                []string{"Overview", "Pages", "Blogs", "Space settings"},
		Areas: map[string]string{
			KindGeneralPage: "Apps", KindAdminPage: "Administration", KindConfigurePage: "Administration",
			KindWebPanel: "Page", KindWebItem: "Page",
		},
		schema: schemaConfluenceJSON,
		events: confluenceEvents,
	},
}

func init() {
	// Facts shared by every product with the Cloud rules, and Bitbucket's
	// schema and events, which live in other files.
	for _, p := range products {
		if p.CloudRules {
			p.TunnelAdvice = "serve it over https (connectgen run --base-url https://…) before installing it on a site"
			p.ScopeIncrease = p.Title + " does not update installed apps that ask for more scopes until a site admin approves the update; until then, sites keep the previous version"
		}
		if p.schema == nil {
			p.schema = schemaJSON
		}
		if p.events == nil {
			p.events = knownEvents
		}
	}
}

// AllProducts returns the product table's entries in order.
func AllProducts() []*ProductInfo { return append([]*ProductInfo(nil), products...) }

// DefaultProduct is the product a descriptor is for when nothing points
// elsewhere.
func DefaultProduct() Product {
	for _, p := range products {
		if p.Default {
			return p.Product
		}
	}
	return products[0].Product
}

// Info returns p's entry in the product table; an unknown or empty p
// gets the default product's.
func (p Product) Info() *ProductInfo {
	for _, e := range products {
		if e.Product == p {
			return e
		}
	}
	return DefaultProduct().Info()
}

// Known says whether p is in the product table.
func (p Product) Known() bool {
	for _, e := range products {
		if e.Product == p {
			return true
		}
	}
	return false
}

// Title is the product's name for messages: "Bitbucket", "Jira", "Confluence".
func (p Product) Title() string { return p.Info().Title }

// ProductNames lists the product names --product and config.json accept:
// every product's name, then the aliases.
func ProductNames() []string {
	var names, aliases []string
	for _, p := range products {
		names = append(names, string(p.Product))
		aliases = append(aliases, p.Aliases...)
	}
	return append(names, aliases...)
}

// ConfigProducts lists the products' own names (without aliases), as
// config.json's product takes them.
func ConfigProducts() []string {
	var names []string
	for _, p := range products {
		names = append(names, string(p.Product))
	}
	return names
}

// TemplateNames lists every product template of `connectgen new`.
func TemplateNames() []string {
	var names []string
	for _, p := range products {
		names = append(names, p.Templates...)
	}
	return names
}

// TemplateDescription returns the default description of an app made
// from template, and false for a template that is no product's.
func TemplateDescription(template string) (string, bool) {
	for _, p := range products {
		for i, t := range p.Templates {
			if strings.EqualFold(t, template) {
				return p.Descriptions[i], true
			}
		}
	}
	return "", false
}

func lookupProduct(s string) (Product, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range products {
		if s == string(p.Product) {
			return p.Product, true
		}
		for _, a := range p.Aliases {
			if s == a {
				return p.Product, true
			}
		}
	}
	return "", false
}

// locationProduct returns the product only it has location loc, or "".
func locationProduct(loc string) Product {
	for _, p := range products {
		for _, pre := range p.LocationPrefixes {
			if strings.HasPrefix(loc, pre) {
				return p.Product
			}
		}
		for _, l := range p.LocationsExact {
			if loc == l {
				return p.Product
			}
		}
	}
	return ""
}

// scopeProduct returns the product only it has scope s, or "".
func scopeProduct(s string) Product {
	for _, p := range products {
		for _, o := range p.OnlyScopes {
			if s == o || (p.CloudRules && strings.EqualFold(s, o)) {
				return p.Product
			}
		}
	}
	return ""
}

// AliasOf returns the product whose alias name is (exactly, as ACE
// compares config.json's product), and false when name is no alias.
func AliasOf(name string) (Product, bool) {
	for _, p := range products {
		for _, a := range p.Aliases {
			if a == name {
				return p.Product, true
			}
		}
	}
	return "", false
}
