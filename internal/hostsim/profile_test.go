package hostsim

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// TestEveryProductHasAProfile: each entry of the product table has a
// registered profile that says it plays that product, and a route table.
func TestEveryProductHasAProfile(t *testing.T) {
	h, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Close() }()
	for _, info := range descriptor.AllProducts() {
		p, ok := h.profiles[info.Product]
		if !ok {
			t.Errorf("%s has no profile (add internal/hostsim/profile_%s.go)", info.Product, info.Product)
			continue
		}
		if p.Product() != info.Product || len(p.Routes()) == 0 {
			t.Errorf("profile for %s plays %s with %d routes", info.Product, p.Product(), len(p.Routes()))
		}
	}
	if got, want := strings.Join(ProfileNames(), ","), strings.Join(descriptor.ConfigProducts(), ","); got != want {
		t.Errorf("ProfileNames() = %s, want %s", got, want)
	}
}

// TestBearerCheck: the installed BearerCheck decides the calls with a
// Bearer token; the others go on to the profile's app token check.
func TestBearerCheck(t *testing.T) {
	h, err := New(Options{Product: Bitbucket})
	if err != nil {
		t.Fatal(err)
	}
	h.SetBearerCheck(func(r *http.Request, tok string) (int, string) {
		if tok != "good" {
			return http.StatusUnauthorized, "the bearer token is not good"
		}
		return 0, ""
	})
	defer func() { _ = h.Close() }()
	get := func(auth string) (int, string) {
		req, _ := http.NewRequest("GET", h.APIURL()+"/2.0/user", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("Bearer good"); code != 200 || !strings.Contains(body, `"display_name":"Sample User"`) {
		t.Errorf("a good bearer token: %d %s", code, body)
	}
	if code, body := get("Bearer bad"); code != 401 || !strings.Contains(body, "the bearer token is not good") {
		t.Errorf("a bad bearer token: %d %s", code, body)
	}
	if code, body := get(""); code != 401 || !strings.Contains(body, "no token") {
		t.Errorf("no token: %d %s", code, body)
	}
	calls := h.Calls()
	if len(calls) != 3 || !calls[0].OK || calls[1].OK || calls[1].Reason != "the bearer token is not good" {
		t.Errorf("calls %+v", calls)
	}
}
