package bbworld

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// operations.json lists every operation of Bitbucket's published OpenAPI
// document (internal/openapicheck/testdata/bitbucket-swagger.v3.json):
// method, path template and the scopes its oauth2 security requirement
// names, which are the Connect scope names. TestOperationsTable
// regenerates it from the document (go test ./internal/bbworld -run
// TestOperationsTable -update) and fails when it is out of date.
//
//go:embed operations.json
var operationsJSON []byte

// Operation is one documented operation of the REST API.
type Operation struct {
	Method   string   `json:"method"`
	Template string   `json:"path"` // without /2.0: /repositories/{workspace}/{repo_slug}
	Scopes   []string `json:"scopes"`
}

// operations reads operations.json on first use, not at start-up: only
// the local host's REST API needs it.
var operations = sync.OnceValue(func() []Operation {
	var ops []Operation
	if err := json.Unmarshal(operationsJSON, &ops); err != nil {
		panic(fmt.Sprintf("operations.json: %v", err))
	}
	return ops
})

// Operations lists the documented operations.
func Operations() []Operation { return append([]Operation(nil), operations()...) }

// Match is a request matched to a documented operation.
type Match struct {
	Operation
	Params map[string]string // path parameters, unescaped
}

// FindOperation matches method and the request path under /2.0 (each
// segment still escaped) to the documented operation, preferring the
// template with the most literal segments. pathOnly is true when the path
// is documented but not for this method.
func FindOperation(method, escapedPath string) (m Match, found, pathOnly bool) {
	m, found, pathOnly = findOperation(method, strings.Split(strings.TrimPrefix(escapedPath, "/"), "/"))
	if !found && len(escapedPath) > 1 && strings.HasSuffix(escapedPath, "/") {
		// Bitbucket serves /2.0/user/ as /2.0/user.
		return findOperation(method, strings.Split(strings.Trim(escapedPath, "/"), "/"))
	}
	return m, found, pathOnly
}

func findOperation(method string, segs []string) (m Match, found, pathOnly bool) {
	best := -1
	for _, op := range operations() {
		params, score, ok := matchTemplate(op.Template, segs)
		if !ok {
			continue
		}
		if op.Method != method {
			pathOnly = true
			continue
		}
		if score > best {
			best, m = score, Match{Operation: op, Params: params}
		}
	}
	return m, best >= 0, pathOnly && best < 0
}

func matchTemplate(tmpl string, segs []string) (map[string]string, int, bool) {
	ts := strings.Split(strings.Trim(tmpl, "/"), "/")
	params := map[string]string{}
	score := 0
	for i, t := range ts {
		if i >= len(segs) {
			return nil, 0, false
		}
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			name := t[1 : len(t)-1]
			if name == "path" && i == len(ts)-1 {
				// A file path takes the rest of the request path.
				params[name] = unescape(strings.Join(segs[i:], "/"))
				return params, score, true
			}
			if segs[i] == "" {
				return nil, 0, false
			}
			params[name] = unescape(segs[i])
			continue
		}
		if t != segs[i] {
			return nil, 0, false
		}
		score++
	}
	if len(segs) != len(ts) {
		return nil, 0, false
	}
	return params, score, true
}
