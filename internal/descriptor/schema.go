package descriptor

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/connectgen/connectgen/internal/json5"
)

var (
	compileMu sync.Mutex
	compiled  = map[Product]*schemaNode{}
)

// compiledSchema is the embedded schema of product p, compiled on first use.
func compiledSchema(p Product) *schemaNode {
	compileMu.Lock()
	defer compileMu.Unlock()
	if s, ok := compiled[p]; ok {
		return s
	}
	s, err := compileSchema(schemaSource(p))
	if err != nil {
		panic("descriptor: embedded schema of " + string(p) + ": " + err.Error())
	}
	if !p.Info().CloudRules {
		s.skip = rootSkipped
	}
	compiled[p] = s
	return s
}

// schema checks the structural rules and maps each schema error to a
// finding with a rule id, located at the offending key or value.
func (v *validation) schema() {
	var errs []schemaError
	compiledSchema(v.product).validate(v.r.root, nil, &errs)
	for _, e := range errs {
		v.schemaFinding(e)
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

func (v *validation) schemaFinding(e schemaError) {
	root := v.r.root
	ptr := pointerOf(e.path)
	node := root.Lookup(ptr)
	last := ""
	if n := len(e.path); n > 0 {
		last = e.path[n-1]
	}
	inModules := len(e.path) > 1 && e.path[0] == "modules"
	switch e.kind {
	case errRequired:
		for _, name := range e.names {
			if ptr == "" && name == "lifecycle" && v.skipped["/lifecycle"] {
				continue
			}
			v.at(node, ptr, "required", SeverityError, fmt.Sprintf("%s is missing the required property %q", where(ptr), name), "")
		}
	case errAdditional:
		for _, name := range e.names {
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
			rule, sev := "unknown-property", SeverityError
			if v.product.Info().CloudRules {
				rule, sev, msg = v.cloudUnknown(ptr, name, msg)
			} else {
				msg += "; Bitbucket rejects descriptors with properties it does not know"
			}
			sugg := didYouMean(name, e.allowed)
			if sugg == "" {
				sugg = "allowed here: " + strings.Join(e.allowed, ", ")
			}
			if m != nil {
				v.atKey(m, p, rule, sev, msg, sugg)
			} else {
				v.at(node, p, rule, sev, msg, sugg)
			}
		}
	case errType:
		got := e.got
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
		v.at(node, ptr, "type", SeverityError, fmt.Sprintf("%s is %s; expected %s", where(ptr), articleName(got), strings.Join(e.want, " or ")), "")
	case errEnum:
		if ptr == "/authentication/type" {
			sugg := `use "jwt" (signed requests) or "none"`
			v.at(node, ptr, "authentication-type", SeverityError, fmt.Sprintf("authentication.type %s is not jwt or none", quoteValue(e.value)), sugg)
			return
		}
		v.at(node, ptr, "schema", SeverityError, fmt.Sprintf("%s: %s", where(ptr), e.message()), "")
	case errPattern:
		s := e.got
		switch {
		case ptr == "/key":
			v.at(node, ptr, "key-pattern", SeverityError, appKeyPatternMessage(s), "")
		case inModules && last == "key":
			v.at(node, ptr, "module-key-pattern", SeverityError, fmt.Sprintf("module key %q has %s: module keys may hold only letters, digits and '-'", s, badRuneAt(s, isModuleKeyRune)), fmt.Sprintf("use %q", fixModuleKey(s)))
		default:
			v.at(node, ptr, "schema", SeverityError, fmt.Sprintf("%s: %s", where(ptr), e.message()), "")
		}
	case errMaxLength, errMinLength:
		v.lengthFinding(e, node, ptr, last, inModules)
	default:
		v.at(node, ptr, "schema", SeverityError, fmt.Sprintf("%s: %s", where(ptr), e.message()), "")
	}
}

func (v *validation) lengthFinding(e schemaError, node *json5.Node, ptr, last string, inModules bool) {
	got, want, tooLong := e.length, e.limit, e.kind == errMaxLength
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
