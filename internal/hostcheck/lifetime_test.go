package hostcheck

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// TestAppTokenLifetime: the REST stand-in takes an app token living up to
// three minutes (as ACE signs it) and refuses a longer one with a 401
// naming the defect, whether exp is far from iat or from now, for
// Bitbucket and Jira alike.
func TestAppTokenLifetime(t *testing.T) {
	type hostCase struct {
		name  string
		host  func(t *testing.T) *hostsim.Host
		key   string
		path  string
		claim func(c *connectjwt.Claims, clientKey string)
	}
	cases := []hostCase{
		{"bitbucket", func(t *testing.T) *hostsim.Host { return newHost(t, startFakeApp(t, defects{}).url, nil) }, fakeKey, "/2.0/user",
			func(c *connectjwt.Claims, ck string) { c.Subject = ck }},
		{"jira", func(t *testing.T) *hostsim.Host { return newJiraHost(t, startFakeJiraApp(t, jiraDefects{})) }, fakeJiraKey, "/rest/api/3/myself",
			func(c *connectjwt.Claims, ck string) { c.Audience = connectjwt.Audience{ck} }},
	}
	for _, hc := range cases {
		t.Run(hc.name, func(t *testing.T) {
			h := hc.host(t)
			inst, err := h.Install(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			call := func(iat time.Time, ttl time.Duration) (int, string) {
				c, err := connectjwt.NewClaims(hc.key, "", "GET", hc.path, "", iat, ttl)
				if err != nil {
					t.Fatal(err)
				}
				hc.claim(&c, inst.ClientKey)
				tok, _ := connectjwt.Sign(inst.SharedSecret, c)
				req, _ := http.NewRequest("GET", h.APIURL()+hc.path, nil)
				req.Header.Set("Authorization", "JWT "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			now := time.Now()
			if st, b := call(now, 3*time.Minute); st != 200 {
				t.Errorf("ACE's three minutes: %d %s", st, b)
			}
			if st, b := call(now, 3*time.Minute+2*time.Second); st != 401 || !strings.Contains(b, "the token lives too long: exp is 3m2s after iat; an app's token may live at most 3m0s") {
				t.Errorf("three minutes and two seconds: %d %s", st, b)
			}
			if st, b := call(now, 24*time.Hour); st != 401 || !strings.Contains(b, "exp is 24h0m0s after iat") {
				t.Errorf("a day: %d %s", st, b)
			}
			// iat in the future hides the lifetime from exp - iat; exp - now
			// still shows it.
			if st, b := call(now.Add(time.Hour), 3*time.Minute); st != 401 || !strings.Contains(b, "the token lives too long: exp is 1h") || !strings.Contains(b, "from now") {
				t.Errorf("iat an hour ahead: %d %s", st, b)
			}
		})
	}
}
