package forgehost

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Forge storage limits (developer.atlassian.com/platform/forge/limits-kvs/):
// a key is at most 500 characters, a value at most 240 KiB as JSON.
const (
	MaxKeyLength = 500
	MaxValueSize = 240 << 10
)

// Store is Forge's key-value store and secret store for each
// installation, in memory or, with a file, saved after every change.
type Store struct {
	mu   sync.Mutex
	file string
	// Installations maps an installation id to its data.
	Installations map[string]*InstallData `json:"installations"`
}

// InstallData is one installation's storage.
type InstallData struct {
	Values  map[string]json.RawMessage `json:"values"`
	Secrets map[string]json.RawMessage `json:"secrets"`
}

// OpenStore returns a store kept in file ("" for memory only), reading
// what file already holds.
func OpenStore(file string) (*Store, error) {
	s := &Store{file: file, Installations: map[string]*InstallData{}}
	if file == "" {
		return s, nil
	}
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, s); err != nil {
			return nil, fmt.Errorf("storage file %s is not connectgen's storage JSON: %w", file, err)
		}
	}
	if s.Installations == nil {
		s.Installations = map[string]*InstallData{}
	}
	return s, nil
}

func (s *Store) inst(id string) *InstallData {
	d := s.Installations[id]
	if d == nil {
		d = &InstallData{Values: map[string]json.RawMessage{}, Secrets: map[string]json.RawMessage{}}
		s.Installations[id] = d
	}
	if d.Values == nil {
		d.Values = map[string]json.RawMessage{}
	}
	if d.Secrets == nil {
		d.Secrets = map[string]json.RawMessage{}
	}
	return d
}

// Snapshot returns a copy of an installation's values and the keys of
// its secrets (their values are not shown).
func (s *Store) Snapshot(id string) (values map[string]json.RawMessage, secretKeys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inst(id)
	values = map[string]json.RawMessage{}
	for k, v := range d.Values {
		values[k] = v
	}
	for k := range d.Secrets {
		secretKeys = append(secretKeys, k)
	}
	sort.Strings(secretKeys)
	return values, secretKeys
}

// SetSecret stores a secret for an installation, as kvs.setSecret does
// (for seeding, e.g. the Connect shared secret the migration reads).
func (s *Store) SetSecret(id, key string, value any) error {
	b, err := json.Marshal(value)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inst(id).Secrets[key] = b
	return s.saveLocked()
}

func (s *Store) saveLocked() error {
	if s.file == "" {
		return nil
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.file + ".tmp"
	if err := os.MkdirAll(filepath.Dir(s.file), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.file)
}

// kvsError is @forge/kvs's error body ({code, message}).
type kvsError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// handle answers one @forge/kvs request (path /api/v1/…, JSON body) for
// an installation: the answer's body, or an error.
func (s *Store) handle(id, path string, body []byte) (any, *kvsError) {
	var req struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
		Limit int             `json:"limit"`
		Where []struct {
			Property  string   `json:"property"`
			Condition string   `json:"condition"`
			Values    []string `json:"values"`
		} `json:"where"`
		Cursor string `json:"cursor"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, &kvsError{400, "INVALID_REQUEST", "the request body is not JSON: " + err.Error()}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inst(id)
	table := d.Values
	op := strings.TrimPrefix(path, "/api/v1/")
	if rest, ok := strings.CutPrefix(op, "secret/"); ok {
		table, op = d.Secrets, rest
	}
	checkKey := func() *kvsError {
		if req.Key == "" {
			return &kvsError{400, "INVALID_KEY", "the key is empty"}
		}
		if len(req.Key) > MaxKeyLength {
			return &kvsError{400, "INVALID_KEY", fmt.Sprintf("the key is %d characters; Forge storage keys are at most %d (Forge limit)", len(req.Key), MaxKeyLength)}
		}
		return nil
	}
	switch op {
	case "get":
		if e := checkKey(); e != nil {
			return nil, e
		}
		v, ok := table[req.Key]
		if !ok {
			return nil, &kvsError{404, "KEY_NOT_FOUND", "no value for key " + req.Key}
		}
		return map[string]any{"key": req.Key, "value": v}, nil
	case "set":
		if e := checkKey(); e != nil {
			return nil, e
		}
		if len(req.Value) > MaxValueSize {
			return nil, &kvsError{400, "VALUE_TOO_LARGE", fmt.Sprintf("the value of %s is %d bytes as JSON; Forge storage values are at most %d (240 KiB, Forge limit)", req.Key, len(req.Value), MaxValueSize)}
		}
		table[req.Key] = req.Value
		if err := s.saveLocked(); err != nil {
			return nil, &kvsError{500, "INTERNAL_SERVER_ERROR", "the storage file cannot be written: " + err.Error()}
		}
		return nil, nil
	case "delete":
		if e := checkKey(); e != nil {
			return nil, e
		}
		delete(table, req.Key)
		if err := s.saveLocked(); err != nil {
			return nil, &kvsError{500, "INTERNAL_SERVER_ERROR", "the storage file cannot be written: " + err.Error()}
		}
		return nil, nil
	case "query":
		prefix := ""
		for _, w := range req.Where {
			if w.Property == "key" && w.Condition == "BEGINS_WITH" && len(w.Values) > 0 {
				prefix = w.Values[0]
			}
		}
		var keys []string
		for k := range table {
			if strings.HasPrefix(k, prefix) && k > req.Cursor {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		limit := req.Limit
		if limit <= 0 || limit > 100 {
			limit = 10
		}
		out := map[string]any{}
		if len(keys) > limit {
			keys = keys[:limit]
			out["cursor"] = keys[len(keys)-1]
		}
		data := []any{}
		for _, k := range keys {
			data = append(data, map[string]any{"key": k, "value": table[k]})
		}
		out["data"] = data
		return out, nil
	}
	return nil, &kvsError{501, "NOT_IMPLEMENTED", "the local Forge host does not offer " + path + " (custom entities, batches and transactions are not played locally)"}
}
