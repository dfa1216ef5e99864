package descriptor

import (
	"net"
	"strings"
)

// This file is the one vocabulary of the descriptor that the rest of
// connectgen uses: the module kinds, which hosts count as this machine
// (loopback), and the grammar of context parameters. The scopes and event
// families are in vocab.go.

// Module kinds that show a page: the descriptor's module lists (plural)
// and the singular names the local host and its page use for one module.
const (
	KindWebItem       = "webItem"
	KindRepoPage      = "repoPage"
	KindWebPanel      = "webPanel"
	KindAdminPage     = "adminPage"
	KindConfigurePage = "configurePage"
	KindGeneralPage   = "generalPage"
	KindProfileTab    = "profileTab"
	KindWebCard       = "webCard"
	KindFileView      = "fileView"
)

// ModuleKind is a list of modules that Bitbucket shows a page for (or, for
// web items, opens a link): its key under "modules", the singular name of
// one module, and whether the key holds one object instead of an array.
type ModuleKind struct {
	List   string // e.g. "repoPages"
	Kind   string // e.g. "repoPage", one of the Kind constants
	Single bool   // configurePage is a single object
}

// pageKinds, in the order the local host lists them.
var pageKinds = []ModuleKind{
	{"webItems", KindWebItem, false},
	{"repoPages", KindRepoPage, false},
	{"webPanels", KindWebPanel, false},
	{"adminPages", KindAdminPage, false},
	{"configurePage", KindConfigurePage, true},
	{"generalPages", KindGeneralPage, false},
	{"profileTabs", KindProfileTab, false},
	{"webCards", KindWebCard, false},
	{"fileViews", KindFileView, false},
}

// IsLoopback reports whether host names this machine's loopback interface:
// "localhost" (any case), an IPv4 address in 127.0.0.0/8 or the IPv6
// address ::1. host may carry a port ("127.0.0.1:3000", "[::1]:3000") or
// IPv6 brackets. It is the one rule connectgen uses: where http is
// acceptable in a descriptor, which app URLs the local host shows, where
// its page may listen, and which base URLs `run` accepts over http.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HasContextParam reports whether s holds a well-formed context parameter.
func HasContextParam(s string) bool {
	found := false
	ReplaceContextParams(s, func(name string) string { found = true; return "" })
	return found
}

// ReplaceContextParams returns s with every well-formed context parameter
// ({name} or {name.name…}) replaced by fn(name). Braces that do not form
// one are left as they are; contextParamProblem says what is wrong with
// them.
func ReplaceContextParams(s string, fn func(name string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := strings.IndexByte(s[i+1:], '}')
		if end < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[i+1 : i+1+end]
		if !validParamName(name) {
			// Not a parameter: keep the '{' and look again after it.
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(fn(name))
		s = s[i+1+end+1:]
	}
}
