// Package installlink builds the links and buttons that install a Bitbucket
// Cloud Connect app from a website: Bitbucket's authorize page
// (https://bitbucket.org/site/addons/authorize) with the app named by its
// key (registered apps) or its descriptor's address (unregistered apps) and
// an optional address to send the user back to.
//
// Bitbucket checks the link only when a user clicks it, and then answers
// with an invalid_request error on the app's own page. Build checks every
// rule of Atlassian's "Install an app from your site or application" page
// first, so a broken link never reaches a user; each broken rule is a
// *RuleError naming it.
package installlink

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// AuthorizeURL is Bitbucket's page that installs an app.
const AuthorizeURL = "https://bitbucket.org/site/addons/authorize"

// DefaultText is the button text Atlassian's example uses.
const DefaultText = "Connect to Bitbucket"

// Rule names one rule of the install link. The names appear in error
// messages so that a user can look the rule up.
type Rule string

// The rules of Atlassian's install-link page (spec §4).
const (
	// RuleOneIdentifier: exactly one of addon_key and descriptor_uri.
	RuleOneIdentifier Rule = "one-identifier"
	// RuleAddonKey: an app key of letters, digits, '-', '.' and '_'.
	RuleAddonKey Rule = "addon-key"
	// RuleAbsoluteURI: descriptor_uri, redirect_uri and the base URL are
	// absolute URLs (scheme and host).
	RuleAbsoluteURI Rule = "absolute-uri"
	// RuleDescriptorHTTPS: descriptor_uri uses https.
	RuleDescriptorHTTPS Rule = "descriptor-https"
	// RuleNoTemplate: the URIs are plain URLs, not URI templates with
	// {…} context parameters.
	RuleNoTemplate Rule = "no-uri-template"
	// RuleRedirectUnderBaseURL: redirect_uri starts with the app's baseUrl.
	RuleRedirectUnderBaseURL Rule = "redirect-under-baseurl"
)

// RuleError is one broken rule.
type RuleError struct {
	Rule Rule
	// Param is the query parameter (or option) the rule is about:
	// addon_key, descriptor_uri, redirect_uri or baseUrl.
	Param string
	// Value is the offending value, as given.
	Value string
	// Reason says what is wrong and what to do.
	Reason string
	// Missing names the value whose absence broke the rule, when it was
	// not given: "addon_key" (neither identifier) or "baseUrl" (a
	// redirect_uri with no base URL to check it against). Callers tell
	// the user which flag or field supplies it.
	Missing string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("%s (rule %s)", e.Reason, e.Rule)
}

// Options are the parts of an install link.
type Options struct {
	// AddonKey is the key of a registered app. Exactly one of AddonKey
	// and DescriptorURI is set.
	AddonKey string
	// DescriptorURI is the https address of an unregistered app's
	// descriptor.
	DescriptorURI string
	// RedirectURI is where Bitbucket sends the user after the install,
	// with clientKey (or error and error_description) added. Empty means
	// the user stays on Bitbucket.
	RedirectURI string
	// BaseURL is the app's baseUrl, which RedirectURI must start with.
	// It is required when RedirectURI is set: without it that rule cannot
	// be checked.
	BaseURL string
}

// Build returns the install link for opts, or an error holding one
// *RuleError for every broken rule (use errors.As, or Violations for all
// of them). Query values are percent-encoded, so the link can be pasted
// anywhere a URL goes; the caller must still escape it for HTML.
func Build(opts Options) (string, error) {
	var errs []error
	var last *RuleError
	add := func(rule Rule, param, value, format string, a ...any) {
		last = &RuleError{Rule: rule, Param: param, Value: value, Reason: fmt.Sprintf(format, a...)}
		errs = append(errs, last)
	}
	missing := func(name string) { last.Missing = name }

	switch {
	case opts.AddonKey != "" && opts.DescriptorURI != "":
		add(RuleOneIdentifier, "addon_key", opts.AddonKey,
			"give either the app key (registered app) or the descriptor URI (unregistered app), not both")
	case opts.AddonKey == "" && opts.DescriptorURI == "":
		add(RuleOneIdentifier, "addon_key", "",
			"give the app key (registered app) or the descriptor URI (unregistered app)")
		missing("addon_key")
	}
	if opts.AddonKey != "" {
		if i := strings.IndexFunc(opts.AddonKey, func(r rune) bool { return !isKeyRune(r) }); i >= 0 {
			add(RuleAddonKey, "addon_key", opts.AddonKey,
				"addon_key %q has %q: an app key has only letters, digits, '-', '.' and '_'", opts.AddonKey, []rune(opts.AddonKey[i:])[0])
		}
	}

	var desc, redirect, base *url.URL
	if opts.DescriptorURI != "" {
		desc = checkURI("descriptor_uri", opts.DescriptorURI, add)
		if desc != nil && desc.Scheme != "https" {
			add(RuleDescriptorHTTPS, "descriptor_uri", opts.DescriptorURI,
				"descriptor_uri %q must be an https URL: Bitbucket fetches descriptors only over HTTPS (start the app with a public https address, e.g. a tunnel)", opts.DescriptorURI)
		}
	}
	if opts.BaseURL != "" {
		base = checkURI("baseUrl", opts.BaseURL, add)
	}
	if opts.RedirectURI != "" {
		redirect = checkURI("redirect_uri", opts.RedirectURI, add)
		switch {
		case opts.BaseURL == "":
			add(RuleRedirectUnderBaseURL, "redirect_uri", opts.RedirectURI,
				"redirect_uri %q must start with the app's baseUrl, which is not known: give the base URL", opts.RedirectURI)
			missing("baseUrl")
		case redirect != nil && base != nil && !under(redirect, base):
			add(RuleRedirectUnderBaseURL, "redirect_uri", opts.RedirectURI,
				"redirect_uri %q does not start with the app's baseUrl %q: Bitbucket refuses it with invalid_request", opts.RedirectURI, opts.BaseURL)
		}
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}

	// The order is the one of Atlassian's examples: the app first, then
	// the redirect.
	var q strings.Builder
	if opts.AddonKey != "" {
		q.WriteString("addon_key=" + url.QueryEscape(opts.AddonKey))
	} else {
		q.WriteString("descriptor_uri=" + url.QueryEscape(opts.DescriptorURI))
	}
	if opts.RedirectURI != "" {
		q.WriteString("&redirect_uri=" + url.QueryEscape(opts.RedirectURI))
	}
	return AuthorizeURL + "?" + q.String(), nil
}

// Violations returns every *RuleError in err, in the order Build found them.
func Violations(err error) []*RuleError {
	var out []*RuleError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var re *RuleError
		if errors.As(e, &re) {
			out = append(out, re)
			return
		}
		walk(errors.Unwrap(e))
	}
	walk(err)
	return out
}

// checkURI applies the rules every URI shares: no URI template, absolute.
// It returns the parsed URL when it can be used for further rules.
func checkURI(param, s string, add func(Rule, string, string, string, ...any)) *url.URL {
	if strings.ContainsAny(s, "{}") {
		add(RuleNoTemplate, param, s,
			"%s %q holds a {…} parameter: it must be a plain URL, Bitbucket fills no context parameters in it", param, s)
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		add(RuleAbsoluteURI, param, s,
			"%s %q must be an absolute URL, such as https://app.example.com/…", param, s)
		return nil
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u
}

// under says whether u starts with base. The host must be the same host,
// not merely a string prefix (https://app.example.com must not admit
// https://app.example.com.evil.net), and the path must continue base's path
// at a segment boundary.
func under(u, base *url.URL) bool {
	if u.Scheme != base.Scheme || !strings.EqualFold(u.Host, base.Host) {
		return false
	}
	bp := strings.TrimRight(base.EscapedPath(), "/")
	p := u.EscapedPath()
	return bp == "" || p == bp || strings.HasPrefix(p, bp+"/")
}

func isKeyRune(r rune) bool {
	return r == '-' || r == '.' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// HTML returns a complete button snippet for link: a link styled as
// Atlaskit's primary button, with the stylesheets it needs. link and text
// are escaped; an empty text is DefaultText.
func HTML(link, text string) string {
	if text == "" {
		text = DefaultText
	}
	return `<!--
  Install button for a Bitbucket Cloud Connect app, styled with Atlaskit's
  reduced UI pack and CSS reset. Bundle them with your site rather than
  loading them from a CDN:
    npm install @atlaskit/css-reset @atlaskit/reduced-ui-pack
  and serve node_modules/@atlaskit/css-reset/dist/bundle.css and
  node_modules/@atlaskit/reduced-ui-pack/dist/bundle.css at the addresses
  below (or change them).
-->
<link rel="stylesheet" href="/vendor/css-reset/bundle.css" media="all">
<link rel="stylesheet" href="/vendor/reduced-ui-pack/bundle.css" media="all">
<a class="ak-button ak-button__appearance-primary" href="` + html.EscapeString(link) + `">` + html.EscapeString(text) + `</a>
`
}

// Markdown returns a Markdown link to link. text ([, ] and \ escaped) is
// DefaultText when empty; characters that would end the link target are
// percent-encoded.
func Markdown(link, text string) string {
	if text == "" {
		text = DefaultText
	}
	t := strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, "\n", " ").Replace(text)
	l := strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "\n", "").Replace(link)
	return "[" + t + "](" + l + ")\n"
}
