package descriptor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/connectgen/connectgen/internal/json5"
)

const schemaID = "https://connectgen.invalid/schemas/bitbucket-connect-descriptor.json"

var (
	compileOnce sync.Once
	compiled    *jsonschema.Schema
	// schemaDoc is the schema as plain values, to look up which properties
	// an object allows when one it does not allow is found.
	schemaDoc map[string]any
	printer   = message.NewPrinter(language.English)
)

func compiledSchema() *jsonschema.Schema {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			panic("descriptor: embedded schema is not JSON: " + err.Error())
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schemaID, doc); err != nil {
			panic("descriptor: embedded schema: " + err.Error())
		}
		compiled = c.MustCompile(schemaID)
		if err := json.Unmarshal(schemaJSON, &schemaDoc); err != nil {
			panic("descriptor: embedded schema: " + err.Error())
		}
	})
	return compiled
}

// instance converts the tree into the values jsonschema validates.
// Numbers become float64 (json.Number would make the library parse
// enormous literals with math/big); Infinity and NaN, already reported,
// become 0 so that they are not reported twice.
func instance(n *json5.Node) any {
	switch n.Kind {
	case json5.Bool:
		return n.Bool
	case json5.Number:
		if n.Float-n.Float != 0 {
			return 0.0
		}
		return n.Float
	case json5.String:
		return n.Str
	case json5.Array:
		a := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			a[i] = instance(e)
		}
		return a
	case json5.Object:
		m := make(map[string]any, len(n.Members))
		for _, mem := range n.Members {
			m[mem.Key] = instance(mem.Value)
		}
		return m
	}
	return nil
}

// schema checks the structural rules and maps each schema error to a
// finding with a rule id, located at the offending key or value.
func (v *validation) schema() {
	inst := instance(v.r.root).(map[string]any)
	// ACE deletes apiMigrations from Bitbucket descriptors before serving
	// them, so Bitbucket never sees it.
	delete(inst, "apiMigrations")
	err := compiledSchema().Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(ve, &leaves)
	for _, e := range leaves {
		v.schemaFinding(e)
	}
}

func collectLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

func pointerOf(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(json5.PointerToken(t))
	}
	return b.String()
}

// where names the place a pointer refers to for messages:
// "/modules/webItems/0/name" is "webItems[0].name".
func where(ptr string) string {
	if ptr == "" {
		return "the descriptor"
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	if toks[0] == "modules" && len(toks) > 1 {
		toks = toks[1:]
	}
	var b strings.Builder
	for i, t := range toks {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		switch {
		case isIndex(t):
			b.WriteString("[" + t + "]")
			continue
		case !isName(t):
			b.WriteString("[" + strconv.Quote(t) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func isIndex(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) {
			return false
		}
	}
	return true
}

// isName says whether a key reads well after a dot in a message.
func isName(t string) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i]; !isAlpha(c) && !isDigit(c) && c != '_' && c != '-' && c != '$' {
			return false
		}
	}
	return t != ""
}

func (v *validation) schemaFinding(e *jsonschema.ValidationError) {
	root := v.r.root
	ptr := pointerOf(e.InstanceLocation)
	node := root.Lookup(ptr)
	last := ""
	if n := len(e.InstanceLocation); n > 0 {
		last = e.InstanceLocation[n-1]
	}
	inModules := len(e.InstanceLocation) > 1 && e.InstanceLocation[0] == "modules"
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			if ptr == "" && name == "lifecycle" && v.skipped["/lifecycle"] {
				continue
			}
			v.at(node, ptr, "required", SeverityError, fmt.Sprintf("%s is missing the required property %q", where(ptr), name), "")
		}
	case *kind.AdditionalProperties:
		allowed := allowedProperties(e.SchemaURL)
		for _, name := range k.Properties {
			m := node.Member(name)
			p := ptr + "/" + json5.PointerToken(name)
			var msg string
			switch ptr {
			case "":
				msg = fmt.Sprintf("unknown property %q at the top level", name)
			case "/modules":
				msg = fmt.Sprintf("unknown module type %q", name)
			default:
				msg = fmt.Sprintf("unknown property %q in %s", name, where(ptr))
			}
			msg += "; Bitbucket rejects descriptors with properties it does not know"
			sugg := didYouMean(name, allowed)
			if sugg == "" {
				sugg = "allowed here: " + strings.Join(allowed, ", ")
			}
			if m != nil {
				v.atKey(m, p, "unknown-property", SeverityError, msg, sugg)
			} else {
				v.at(node, p, "unknown-property", SeverityError, msg, sugg)
			}
		}
	case *kind.Type:
		got := k.Got
		if node != nil {
			got = node.Kind.String()
		}
		if ptr == "/modules/configurePage" {
			sugg := "write the page as an object: \"configurePage\": {\"key\": …, \"name\": …, \"url\": …}"
			if node != nil && node.Kind == json5.Array && len(node.Elems) == 1 {
				sugg = "remove the [ ] around the one page"
			}
			v.at(node, ptr, "configurepage-object", SeverityError, fmt.Sprintf("configurePage must be a single object, not %s: an app has one configure page", articleName(got)), sugg)
			return
		}
		v.at(node, ptr, "type", SeverityError, fmt.Sprintf("%s is %s; expected %s", where(ptr), articleName(got), strings.Join(k.Want, " or ")), "")
	case *kind.Enum:
		if ptr == "/authentication/type" {
			sugg := `use "jwt" (signed requests) or "none"`
			v.at(node, ptr, "authentication-type", SeverityError, fmt.Sprintf("authentication.type %s is not jwt or none", quoteValue(k.Got)), sugg)
			return
		}
		v.at(node, ptr, "schema", SeverityError, fmt.Sprintf("%s: %s", where(ptr), k.LocalizedString(printer)), "")
	case *kind.Pattern:
		s := k.Got
		switch {
		case ptr == "/key":
			v.at(node, ptr, "key-pattern", SeverityError, appKeyPatternMessage(s), "")
		case inModules && last == "key":
			v.at(node, ptr, "module-key-pattern", SeverityError, fmt.Sprintf("module key %q has %s: module keys may hold only letters, digits and '-'", s, badRuneAt(s, isModuleKeyRune)), fmt.Sprintf("use %q", fixModuleKey(s)))
		default:
			v.at(node, ptr, "schema", SeverityError, fmt.Sprintf("%s: %s", where(ptr), k.LocalizedString(printer)), "")
		}
	case *kind.MaxLength, *kind.MinLength:
		v.lengthFinding(e, node, ptr, last, inModules)
	default:
		v.at(node, ptr, "schema", SeverityError, fmt.Sprintf("%s: %s", where(ptr), e.ErrorKind.LocalizedString(printer)), "")
	}
}

func (v *validation) lengthFinding(e *jsonschema.ValidationError, node *json5.Node, ptr, last string, inModules bool) {
	var got, want int
	tooLong := false
	switch k := e.ErrorKind.(type) {
	case *kind.MaxLength:
		got, want, tooLong = k.Got, k.Want, true
	case *kind.MinLength:
		got, want = k.Got, k.Want
	}
	what, rule := where(ptr), "length"
	switch {
	case ptr == "/key":
		what, rule = "the app key", "key-length"
	case inModules && last == "key":
		what, rule = "module key", "module-key-length"
	case last == "url" || last == "destination" || ptr == "/baseUrl" || strings.HasPrefix(ptr, "/lifecycle/"):
		rule = "url-length"
	case inModules && last == "event":
		what, rule = "webhook event", "webhook-event-unknown"
	}
	if !tooLong {
		v.at(node, ptr, rule, SeverityError, fmt.Sprintf("%s is empty", capitalize(what)), "")
		return
	}
	v.at(node, ptr, rule, SeverityError, fmt.Sprintf("%s is %d characters, more than %d", capitalize(what), got, want), "")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func articleName(kind string) string {
	switch kind {
	case "array", "object", "integer":
		return "an " + kind
	case "null":
		return "null"
	}
	return "a " + kind
}

func quoteValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// allowedProperties lists the properties the schema at schemaURL allows.
func allowedProperties(schemaURL string) []string {
	_, frag, _ := strings.Cut(schemaURL, "#")
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	var cur any = schemaDoc
	if frag != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
		}
	}
	m, _ := cur.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func appKeyPatternMessage(key string) string {
	return fmt.Sprintf("app key %q has %s: app keys may hold only letters, digits, '-', '.' and '_'", key, badRuneAt(key, isAppKeyRune))
}

func isModuleKeyRune(r rune) bool {
	return r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// badRuneAt describes the first character of s that ok refuses.
func badRuneAt(s string, ok func(rune) bool) string {
	i := 0
	for _, r := range s {
		i++
		if !ok(r) {
			return fmt.Sprintf("%q at position %d", r, i)
		}
	}
	return "no valid characters"
}

// fixModuleKey turns a key into one the pattern accepts, for suggestions.
func fixModuleKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if isModuleKeyRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if len(s) > MaxModuleKeyLength {
		return b.String()[:MaxModuleKeyLength]
	}
	return b.String()
}
