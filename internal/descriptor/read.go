package descriptor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/json5"
)

// FileName is the descriptor's name in an app's folder, where ACE reads it.
const FileName = "atlassian-connect.json"

// Stdin is the source that names standard input.
const Stdin = "-"

// ReadOptions says how Read reaches a descriptor.
type ReadOptions struct {
	// Stdin is read for the source "-".
	Stdin io.Reader
	// Client fetches http(s) sources; nil means a client with Timeout
	// that does not follow redirects to other schemes than http(s).
	Client *http.Client
	// Timeout bounds a fetch when Client is nil; 0 means 30 seconds.
	Timeout time.Duration
	// MaxSize is the largest descriptor read; 0 means json5.DefaultMaxSize.
	// Larger input is refused before it is all read.
	MaxSize int
	// UserAgent is sent with a fetch when set.
	UserAgent string
}

// NotFoundError is a file or folder source that does not exist, or a
// folder without atlassian-connect.json. Path is what was looked for.
type NotFoundError struct{ Path string }

func (e *NotFoundError) Error() string { return e.Path + " does not exist" }

// TooLargeError is a descriptor larger than ReadOptions.MaxSize. Size is
// 0 when the size was not known before reading passed the limit.
type TooLargeError struct {
	Name        string
	Size, Limit int
}

func (e *TooLargeError) Error() string {
	if e.Size > 0 {
		return fmt.Sprintf("%s is %s, more than the limit of %s for a descriptor", e.Name, json5.FormatSize(e.Size), json5.FormatSize(e.Limit))
	}
	return fmt.Sprintf("%s is more than the limit of %s for a descriptor", e.Name, json5.FormatSize(e.Limit))
}

// FetchError is an http(s) source that gave no descriptor: Status is the
// answer's status code when it was not 200, and 0 when there was no
// complete answer (then Err says why; Timeout is set when it took too
// long).
type FetchError struct {
	URL     string
	Status  int
	Err     error
	Timeout time.Duration // the limit that passed, when it did
}

func (e *FetchError) Error() string {
	switch {
	case e.Status != 0:
		return fmt.Sprintf("fetching %s: the server answered %d %s", e.URL, e.Status, http.StatusText(e.Status))
	case e.Timeout > 0:
		return fmt.Sprintf("fetching %s: no complete answer within %s (raise --timeout to wait longer)", e.URL, e.Timeout)
	}
	return fmt.Sprintf("fetching %s: %v", e.URL, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// IsURL reports whether source is an http(s) URL, which Read fetches.
func IsURL(source string) bool {
	return strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://")
}

// Read returns the display name and content of the descriptor at source:
// a file, a folder holding atlassian-connect.json, an http(s) URL, or "-"
// for opts.Stdin. It is the one way connectgen's commands (validate, run,
// simulate, install-link) read a descriptor. Its errors are a
// *NotFoundError, *TooLargeError or *FetchError, or the reader's own.
func Read(ctx context.Context, source string, opts ReadOptions) (name string, src []byte, err error) {
	limit := opts.MaxSize
	if limit <= 0 {
		limit = json5.DefaultMaxSize
	}
	switch {
	case source == Stdin:
		if opts.Stdin == nil {
			return "", nil, errors.New("no standard input to read the descriptor from")
		}
		b, err := readLimited(opts.Stdin, "standard input", limit)
		if err != nil {
			return "", nil, fmt.Errorf("reading standard input: %w", err)
		}
		return "<stdin>", b, nil
	case IsURL(source):
		b, err := fetch(ctx, source, opts, limit)
		return source, b, err
	}
	path := source
	fi, err := os.Stat(path)
	if err == nil && fi.IsDir() {
		path = filepath.Join(path, FileName)
		fi, err = os.Stat(path)
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", nil, &NotFoundError{Path: path}
		}
		return "", nil, err
	}
	if fi.Size() > int64(limit) {
		return "", nil, &TooLargeError{Name: path, Size: int(fi.Size()), Limit: limit}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	return path, b, nil
}

// readLimited reads r to the end, failing once it passes limit bytes.
func readLimited(r io.Reader, name string, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, &TooLargeError{Name: name, Limit: limit}
	}
	return b, nil
}

// fetch GETs a descriptor URL, refusing a body larger than limit (checked
// against Content-Length first, then while reading, since servers may not
// send one).
func fetch(ctx context.Context, rawURL string, opts ReadOptions, limit int) ([]byte, error) {
	client := opts.Client
	timeout := opts.Timeout
	if client == nil {
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
		client = http.DefaultClient
	} else {
		timeout = client.Timeout
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid URL: %w", rawURL, err)
	}
	req.Header.Set("Accept", "application/json")
	if opts.UserAgent != "" {
		req.Header.Set("User-Agent", opts.UserAgent)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fetchError(rawURL, timeout, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &FetchError{URL: rawURL, Status: resp.StatusCode}
	}
	name := "the descriptor at " + rawURL
	if resp.ContentLength > int64(limit) {
		return nil, &TooLargeError{Name: name, Size: int(resp.ContentLength), Limit: limit}
	}
	b, err := readLimited(resp.Body, name, limit)
	var tl *TooLargeError
	if err != nil && !errors.As(err, &tl) {
		return nil, fetchError(rawURL, timeout, err)
	}
	return b, err
}

func fetchError(rawURL string, timeout time.Duration, err error) error {
	fe := &FetchError{URL: rawURL, Err: err}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		fe.Timeout = timeout
	}
	return fe
}
