// Package openapicheck checks the local host's answers against a product's
// published OpenAPI document: which documented operation a request is,
// whether a response body validates against the schema the document gives
// for its status, and whether an entity (a repository, a pull request…)
// validates against a named component schema. It wraps kin-openapi.
package openapicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Doc is one loaded OpenAPI document.
type Doc struct {
	T      *openapi3.T
	router routers.Router
	// Prefix is the path prefix of the document's first server
	// (/2.0 for Bitbucket), which its path templates leave out.
	Prefix string
}

// Load reads an OpenAPI 3.0 document from path. The document is taken as
// published: it is not validated as a whole (Atlassian's documents carry
// extensions and a few schema quirks a strict validator refuses), only
// used to validate bodies.
func Load(path string) (*Doc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := &Doc{T: t}
	if len(t.Servers) > 0 {
		if u, err := url.Parse(t.Servers[0].URL); err == nil {
			d.Prefix = strings.TrimRight(u.Path, "/")
		}
	}
	// Route on paths alone: the document's server names a public host,
	// the local host answers on loopback.
	t.Servers = openapi3.Servers{{URL: "http://local" + d.Prefix}}
	if d.router, err = gorillamux.NewRouter(t); err != nil {
		return nil, fmt.Errorf("%s: cannot route its paths: %w", path, err)
	}
	return d, nil
}

// Operation is one documented method on one path template.
type Operation struct {
	Method, Template string
	Op               *openapi3.Operation
	Params           map[string]string
}

// ErrNotDocumented is returned by Find for a request no documented
// operation matches.
var ErrNotDocumented = errors.New("not in the OpenAPI document")

// Find returns the documented operation for method and path (the path as
// requested, with the document's prefix, e.g. /2.0/user).
func (d *Doc) Find(method, path string) (Operation, error) {
	req, err := http.NewRequest(method, "http://local"+path, nil)
	if err != nil {
		return Operation{}, err
	}
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		return Operation{}, fmt.Errorf("%s %s: %w", method, path, ErrNotDocumented)
	}
	return Operation{Method: route.Method, Template: route.Path, Op: route.Operation, Params: params}, nil
}

// Operations lists every documented operation, "METHOD /template", sorted.
func (d *Doc) Operations() []string {
	var out []string
	for p, item := range d.T.Paths.Map() {
		for m := range item.Operations() {
			out = append(out, m+" "+p)
		}
	}
	sort.Strings(out)
	return out
}

// ValidateResponse checks a response body against the schema the document
// gives the operation for status (or its default response). A status the
// operation does not document is an error; so is a body that does not
// validate. Bodies of non-JSON media types are checked only for being
// documented.
func (d *Doc) ValidateResponse(method, path string, status int, contentType string, body []byte) error {
	req, err := http.NewRequest(method, "http://local"+path, nil)
	if err != nil {
		return err
	}
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, ErrNotDocumented)
	}
	if route.Operation.Responses.Status(status) == nil && route.Operation.Responses.Default() == nil {
		return fmt.Errorf("%s %s: status %d is not documented for %s %s", method, path, status, route.Method, route.Path)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: http.Header{"Content-Type": {contentType}},
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			// Errors name the failing value's place and the rule, not
			// the whole schema, which runs to hundreds of lines.
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s -> %d (%s %s): %w", method, path, status, route.Method, route.Path, err)
	}
	return nil
}

// ValidateSchema checks a value (anything encoding/json can marshal)
// against the component schema name (#/components/schemas/name).
func (d *Doc) ValidateSchema(name string, v any) error {
	ref := d.T.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("the document has no schema %q", name)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	generic = numbersToFloat(generic)
	if err := ref.Value.VisitJSON(generic, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails()); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func numbersToFloat(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64() // a json.Number from the decoder is always a valid number
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToFloat(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersToFloat(e)
		}
	}
	return v
}
