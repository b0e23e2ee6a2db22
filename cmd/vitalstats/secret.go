package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vitalstats/etl/lake"
)

// The site secret keys the identity hashes (and, through cellKey, the
// publication layer's noise). Another secret gives other hashes, so that
// records before and after a change are no longer found to be duplicates:
// a secret is never made silently where one was in use. It is made only
//   - on a lake's first run (nothing committed yet), or
//   - by etl -new-secret, which the operator asks for knowingly.
// Each lake records the fingerprints of the secrets it was written with in
// LAKE/_secret.jsonl (secretLog), so that a missing, replaced or mistyped
// secret stops the run with a message rather than forking the hashes.

// secretUse says what a command may do about the site secret.
type secretUse int

const (
	secretRead     secretUse = iota // build: read it, never make one
	secretFirstUse                  // etl: make one when the lake has nothing committed
	secretRenew                     // etl -new-secret: make one if none, and make it the lake's
)

// secretLog is the file in the lake that records its secrets' fingerprints.
const secretLog = "_secret.jsonl"

// secretRecord is one line of secretLog.
type secretRecord struct {
	Time        time.Time `json:"time"`
	Fingerprint string    `json:"fingerprint"`
	Event       string    `json:"event"`  // created, adopted, renewed
	Source      string    `json:"source"` // the file or environment variable
}

// secretFingerprint names a secret without disclosing it.
func secretFingerprint(secret []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("vitalstats site secret fingerprint v1"))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// secret is the site secret for a command that reads the lake (build): it
// never makes one.
func (c *Config) secret() ([]byte, error) {
	return c.siteSecret(secretRead, nil)
}

// siteSecret reads the site secret from the environment variable
// etl.secret_env or the file etl.secret_file, checks it against the lake's
// record, and, as use allows, makes one or records it.
func (c *Config) siteSecret(use secretUse, log *slog.Logger) ([]byte, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hasData, err := lake.Committed(c.ETL.Lake)
	if err != nil {
		return nil, fmt.Errorf("site secret: %w", err)
	}
	records, err := readSecretLog(c.ETL.Lake)
	if err != nil {
		return nil, err
	}
	var last *secretRecord
	if len(records) > 0 {
		last = &records[len(records)-1]
	}

	secret, source, err := c.readSecret()
	created := false
	if errors.Is(err, fs.ErrNotExist) {
		switch {
		case use == secretRead:
			return nil, fmt.Errorf("no site secret: %s; restore the key the lake %s was written with%s; only vitalstats etl makes a key, on a lake's first run",
				c.noSecret(), c.ETL.Lake, fingerprintHint(last))
		case use == secretFirstUse && hasData:
			return nil, fmt.Errorf("no site secret: %s, but the lake %s holds data hashed with a secret%s; restore that key from a backup: a new one would change every identity hash, and duplicates across the change would no longer be found (etl -new-secret makes a new one knowingly)",
				c.noSecret(), c.ETL.Lake, fingerprintHint(last))
		}
		if secret, err = c.createSecret(); err != nil {
			return nil, err
		}
		source, created = c.ETL.SecretFile, true
	} else if err != nil {
		return nil, err
	}
	fp := secretFingerprint(secret)

	var event string
	switch {
	case last != nil && last.Fingerprint == fp:
		return secret, nil
	case created && use == secretRenew:
		event = "renewed"
		log.Warn("made a new site secret (etl -new-secret): identity hashes before and after differ, and duplicates across the change will not be found",
			"file", source, "fingerprint", fp)
	case created:
		event = "created"
		log.Info("made a new site secret, on the lake's first run; keep it with the lake's backups", "file", source, "fingerprint", fp)
	case last == nil && use == secretRead:
		return secret, nil // a lake from before the record: etl records it
	case last == nil:
		event = "adopted"
	case !hasData && use != secretRead:
		event = "adopted" // nothing was hashed with the former one
	case use == secretRenew:
		event = "renewed"
		log.Warn("the lake's site secret changes: identity hashes before and after differ, and duplicates across the change will not be found",
			"source", source, "fingerprint", fp, "former", last.Fingerprint)
	case !hasData:
		return secret, nil
	default:
		return nil, fmt.Errorf("the site secret from %s (fingerprint %s) is not the one the lake %s was written with (fingerprint %s, since %s, in %s): restore that key, or run etl -new-secret to carry on with this one knowingly (identity hashes before and after will differ)",
			source, fp, c.ETL.Lake, last.Fingerprint, last.Time.Format(time.DateOnly), filepath.Join(c.ETL.Lake, secretLog))
	}
	if err := appendSecretLog(c.ETL.Lake, secretRecord{Time: time.Now().UTC(), Fingerprint: fp, Event: event, Source: source}); err != nil {
		return nil, err
	}
	return secret, nil
}

// noSecret says where no secret was found.
func (c *Config) noSecret() string {
	if c.ETL.SecretEnv == "" {
		return c.ETL.SecretFile + " does not exist"
	}
	return fmt.Sprintf("%s does not exist and $%s is not set", c.ETL.SecretFile, c.ETL.SecretEnv)
}

func fingerprintHint(last *secretRecord) string {
	if last == nil {
		return ""
	}
	return fmt.Sprintf(" (fingerprint %s)", last.Fingerprint)
}

// readSecret reads the secret from the environment or the file; a missing
// file is fs.ErrNotExist. A file other users may read is refused: the key
// then belongs to them too.
func (c *Config) readSecret() (secret []byte, source string, err error) {
	if c.ETL.SecretEnv != "" {
		if v := os.Getenv(c.ETL.SecretEnv); v != "" {
			if len(v) < 16 {
				return nil, "", fmt.Errorf("the site secret in $%s is shorter than 16 characters", c.ETL.SecretEnv)
			}
			return []byte(v), "$" + c.ETL.SecretEnv, nil
		}
	}
	if c.ETL.SecretFile == "" {
		return nil, "", fmt.Errorf("no site secret: set $%s or etl.secret_file", c.ETL.SecretEnv)
	}
	path := c.ETL.SecretFile
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("site secret %s: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read the site secret: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, "", fmt.Errorf("the site secret %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, "", fmt.Errorf("the site secret %s may be read by other users (mode %04o): make it the owner's only (chmod 600 %s), and consider whether it has leaked", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read the site secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if len(s) < 16 {
		return nil, "", fmt.Errorf("the site secret in %s is shorter than 16 characters", path)
	}
	return []byte(s), path, nil
}

// createSecret writes a new random secret to etl.secret_file, owner-only;
// an existing file is never replaced.
func (c *Config) createSecret() ([]byte, error) {
	var r [32]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, fmt.Errorf("make the site secret: %w", err)
	}
	s := hex.EncodeToString(r[:])
	path := c.ETL.SecretFile
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("make the site secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("make the site secret %s: %w", path, err)
	}
	_, err = f.WriteString(s + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("make the site secret %s: %w", path, err)
	}
	return []byte(s), nil
}

// readSecretLog reads the lake's record of secrets; none is an empty list.
func readSecretLog(lakeDir string) ([]secretRecord, error) {
	path := filepath.Join(lakeDir, secretLog)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the lake's record of site secrets: %w", err)
	}
	var out []secretRecord
	lines := bytes.Split(b, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r secretRecord
		if err := json.Unmarshal(line, &r); err != nil || r.Fingerprint == "" {
			// A line cut by a crash can only be the last: earlier ones were
			// synced before the next was appended.
			if i == len(lines)-1 {
				break
			}
			return nil, fmt.Errorf("%s line %d: not a site secret record", path, i+1)
		}
		out = append(out, r)
	}
	return out, nil
}

// appendSecretLog adds a record, synced.
func appendSecretLog(lakeDir string, r secretRecord) error {
	if err := os.MkdirAll(lakeDir, 0o700); err != nil {
		return fmt.Errorf("record the site secret: %w", err)
	}
	line, _ := json.Marshal(r)
	f, err := os.OpenFile(filepath.Join(lakeDir, secretLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("record the site secret: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record the site secret in %s: %w", filepath.Join(lakeDir, secretLog), err)
	}
	return nil
}
