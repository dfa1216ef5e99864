package tmplsource

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Loader reads template sources. Its zero value downloads with the
// default limits and no cache.
type Loader struct {
	Limits Limits
	// Timeout bounds a whole download, from connecting to the last byte.
	Timeout time.Duration
	// AllowHTTP allows http:// URLs of other hosts than this machine.
	AllowHTTP bool
	// CacheDir keeps every template read, by content hash, and the hash
	// last downloaded from each URL; "" keeps nothing.
	CacheDir string
	// Progress, when set, receives a progress line that rewrites itself;
	// callers set it only when it is a terminal.
	Progress io.Writer
	// Warn receives notes such as "using the cached copy".
	Warn io.Writer
	// Client is the HTTP client; nil is a client with Timeout.
	Client *http.Client
}

// DefaultTimeout bounds a download when Loader.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

const maxRedirects = 5

// DefaultCacheDir is connectgen's template cache in the user's cache
// directory.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "connectgen", "templates")
}

func (l *Loader) limits() Limits {
	if l.Limits.MaxFiles == 0 {
		return DefaultLimits
	}
	return l.Limits
}

// Load reads a URL, zip or directory source.
func (l *Loader) Load(ctx context.Context, s Spec) (*Tree, error) {
	lim := l.limits()
	switch s.Kind {
	case URL:
		data, err := l.download(ctx, s.Ref)
		if err != nil {
			cached, hash := l.cachedURL(s.Ref)
			if cached == nil || !isNetworkError(err) {
				return nil, err
			}
			l.warnf("connectgen: %v; using the copy cached earlier (%s)\n", err, hash)
			data = cached
		}
		t, err := ReadZip(s.Ref, data, lim)
		if err != nil {
			return nil, err
		}
		l.cachePut(t.Hash, data, s.Ref)
		return t, nil
	case Zip:
		data, err := readFileLimited(s.Ref, lim.MaxDownload)
		if err != nil {
			return nil, err
		}
		t, err := ReadZip(s.Ref, data, lim)
		if err != nil {
			return nil, err
		}
		l.cachePut(t.Hash, data, "")
		return t, nil
	case Dir:
		t, err := ReadDir(s.Ref, lim)
		if err != nil {
			return nil, err
		}
		if z, err := zipTree(t); err == nil {
			l.cachePut(t.Hash, z, "")
		}
		return t, nil
	}
	return nil, fmt.Errorf("template source %q cannot be loaded", s.Ref)
}

// LoadHash reads the template that had content hash hash, from the cache
// when it is there and else from the source, which must still hold it.
func (l *Loader) LoadHash(ctx context.Context, s Spec, hash string) (*Tree, error) {
	if data := l.cacheGet(hash); data != nil {
		// A folder's copy is its tree as it was, top folder and all.
		t, err := readZip(s.Ref, data, l.limits(), s.Kind != Dir)
		if err == nil {
			t.Hash = hash
			return t, nil
		}
	}
	t, err := l.Load(ctx, s)
	if err != nil {
		return nil, err
	}
	if t.Hash != hash {
		return nil, fmt.Errorf("template %s has changed since the project was made (recorded %s, now %s) and the recorded version is not in the cache %s; restore that version of the template, or update from it with --to after committing your work", s.Ref, short(hash), short(t.Hash), l.CacheDir)
	}
	return t, nil
}

func short(h string) string {
	if len(h) > 19 {
		return h[:19]
	}
	return h
}

// CheckURL applies the download policy to u: https, or http to this
// machine, or http anywhere with AllowHTTP.
func (l *Loader) CheckURL(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if l.AllowHTTP || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("refusing plain http:// for %s: the template could be changed on the way; use https:// or pass --allow-http", u.Redacted())
	}
	return fmt.Errorf("refusing %s: only http(s) URLs are downloaded", u.Redacted())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l *Loader) download(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := l.CheckURL(u); err != nil {
		return nil, err
	}
	timeout := l.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	client := l.Client
	if client == nil {
		client = &http.Client{}
	}
	c := *client
	c.Timeout = timeout
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		return l.CheckURL(req.URL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "connectgen")
	resp, err := c.Do(req)
	if err != nil {
		return nil, &netError{fmt.Errorf("downloading template %s: %w", raw, explain(err, timeout))}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading template %s: the server answered %s; check the URL", raw, resp.Status)
	}
	max := l.limits().MaxDownload
	if resp.ContentLength > max {
		return nil, fmt.Errorf("downloading template %s: it is %d bytes, more than the %d accepted", raw, resp.ContentLength, max)
	}
	var body io.Reader = io.LimitReader(resp.Body, max+1)
	if l.Progress != nil {
		p := &progress{w: l.Progress, url: raw, total: resp.ContentLength}
		defer p.done()
		body = io.TeeReader(body, p)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, &netError{fmt.Errorf("downloading template %s: %w", raw, explain(err, timeout))}
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("downloading template %s: it is more than the %d bytes accepted", raw, max)
	}
	return data, nil
}

// netError marks failures of the network, after which a cached copy may
// stand in; a refusal or an HTTP status is not one.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func isNetworkError(err error) bool {
	var ne *netError
	return errors.As(err, &ne) && !errors.Is(err, context.Canceled)
}

// explain says what a network error means for the user.
func explain(err error, timeout time.Duration) error {
	var te interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout() {
		return fmt.Errorf("no complete answer within the time limit of %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

type progress struct {
	w     io.Writer
	url   string
	total int64
	n     int64
	last  time.Time
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if time.Since(p.last) > 100*time.Millisecond {
		p.last = time.Now()
		p.print()
	}
	return len(b), nil
}

func (p *progress) print() {
	if p.total > 0 {
		fmt.Fprintf(p.w, "\rdownloading %s: %s of %s", p.url, size(p.n), size(p.total))
	} else {
		fmt.Fprintf(p.w, "\rdownloading %s: %s", p.url, size(p.n))
	}
}

func size(n int64) string {
	if n < 10<<10 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func (p *progress) done() {
	p.print()
	fmt.Fprintln(p.w)
}

func (l *Loader) warnf(format string, a ...any) {
	if l.Warn != nil {
		fmt.Fprintf(l.Warn, format, a...)
	}
}

func readFileLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // only read
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("template %s is more than the %d bytes accepted", path, max)
	}
	return data, nil
}

// The cache holds blobs/<hex>.zip by content hash and urls/<hex of the
// URL> naming the hash last downloaded from that URL. Failing to write it
// is not an error: it only saves work.
func (l *Loader) blobPath(hash string) string {
	hexHash := strings.TrimPrefix(hash, "sha256:")
	if l.CacheDir == "" || len(hexHash) != 64 || strings.Trim(hexHash, "0123456789abcdef") != "" {
		return ""
	}
	return filepath.Join(l.CacheDir, "blobs", hexHash+".zip")
}

func (l *Loader) urlPath(raw string) string {
	if l.CacheDir == "" {
		return ""
	}
	s := sha256.Sum256([]byte(raw))
	return filepath.Join(l.CacheDir, "urls", hex.EncodeToString(s[:]))
}

func (l *Loader) cachePut(hash string, data []byte, raw string) {
	p := l.blobPath(hash)
	if p == "" {
		return
	}
	if _, err := os.Stat(p); err != nil {
		writeAtomic(p, data)
	}
	if raw != "" {
		writeAtomic(l.urlPath(raw), []byte(hash))
	}
}

func (l *Loader) cacheGet(hash string) []byte {
	p := l.blobPath(hash)
	if p == "" {
		return nil
	}
	data, err := readFileLimited(p, l.limits().MaxDownload)
	if err != nil {
		return nil
	}
	return data
}

func (l *Loader) cachedURL(raw string) ([]byte, string) {
	p := l.urlPath(raw)
	if p == "" {
		return nil, ""
	}
	h, err := os.ReadFile(p)
	if err != nil {
		return nil, ""
	}
	data := l.cacheGet(string(h))
	if data == nil || HashBytes(data) != string(h) {
		return nil, ""
	}
	return data, string(h)
}

func writeAtomic(p string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), p) != nil {
		_ = os.Remove(f.Name()) // the temporary file of a failed download; the download error is the one to report
	}
}

// zipTree packs a tree as a zip in a fixed order, for the cache.
func zipTree(t *Tree) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	paths := make([]string, 0, len(t.FS))
	for p := range t.FS {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		h := &zip.FileHeader{Name: p, Method: zip.Deflate}
		h.SetMode(t.FS[p].Mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(t.FS[p].Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
