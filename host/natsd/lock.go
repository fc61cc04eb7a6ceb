package natsd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockFileName is the file in the data directory that a running server
// holds an exclusive lock on, and in which it writes who it is.
const LockFileName = "LOCK"

// ErrDataDirInUse is what Start answers (wrapped in a *DirInUseError) when
// another process holds the data directory's lock.
var ErrDataDirInUse = errors.New("data directory in use")

// Holder says which process holds a data directory: what the holder wrote
// into the lock file when it took the lock.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// DirInUseError is the refusal to start on a data directory another
// process holds. It matches ErrDataDirInUse with errors.Is.
type DirInUseError struct {
	// Dir is the data directory and LockFile the lock file in it.
	Dir, LockFile string
	// Holder is who holds it; nil when the lock file could not be read
	// (the holder may be writing it at this moment).
	Holder *Holder
}

func (e *DirInUseError) Error() string {
	who := "another process (the lock file does not say which)"
	if h := e.Holder; h != nil {
		who = fmt.Sprintf("sluice pid %d on host %s since %s", h.PID, h.Host, h.Since.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("data directory %s is in use by %s (lock file %s)", e.Dir, who, e.LockFile)
}

// Unwrap makes errors.Is(err, ErrDataDirInUse) hold.
func (e *DirInUseError) Unwrap() error { return ErrDataDirInUse }

// dirLock is a held lock on a data directory. The lock belongs to the open
// file: closing it (or the process dying, even by kill -9) releases it, so
// a crash never leaves a stale lock behind. The file itself stays: removing
// it would race with a process that has just opened it.
type dirLock struct {
	f *os.File
}

// lockDir takes the exclusive lock on dir's lock file without waiting, and
// writes this process's Holder into it. When another process holds the
// lock it answers a *DirInUseError naming that process.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("natsd: lock data directory: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("natsd: lock %s: %w", path, err)
	}
	if !held {
		f.Close()
		return nil, &DirInUseError{Dir: dir, LockFile: path, Holder: readHolder(path)}
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	me, _ := json.Marshal(Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second)})
	if err := writeHolder(f, append(me, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("natsd: write %s: %w", path, err)
	}
	return &dirLock{f: f}, nil
}

func writeHolder(f *os.File, b []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

// holderReadTries and holderReadPause bound how long a refused start waits
// for a holder that has just taken the lock to finish writing the file.
const (
	holderReadTries = 10
	holderReadPause = 20 * time.Millisecond
)

// readHolder reads who holds the lock; nil when the file says nothing
// readable (a holder that has just taken the lock may still be writing).
func readHolder(path string) *Holder {
	for range holderReadTries {
		b, err := os.ReadFile(path)
		if err == nil && len(strings.TrimSpace(string(b))) > 0 {
			var h Holder
			if json.Unmarshal(b, &h) == nil && h.PID > 0 {
				return &h
			}
			return nil
		}
		time.Sleep(holderReadPause)
	}
	return nil
}

// release gives the lock up.
func (l *dirLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
