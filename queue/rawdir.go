package queue

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// rawDirSuffix names the directory beside a SQLite store that holds its
// messages' raw bytes: caucusgate.db.raw/ beside caucusgate.db, as
// caucusgate.db.lock is its daemon's lock.
const rawDirSuffix = ".raw"

// rawFileSuffix ends every raw file's name: each is one message as it was
// received (RFC 5322), which a mail client opens as it is.
const rawFileSuffix = ".eml"

// rawNameLen is the length of a raw file's name before its suffix: that
// of crypto/rand.Text, 26 letters and digits of RFC 4648's base32.
const rawNameLen = 26

// rawDir is the directory of a SQLite store's raw files, one per message,
// named by messages.raw_file. SQLite in WAL mode wrote a blob's bytes
// three times in the kernel (the WAL's frames, then the checkpoint's read
// of them and its write into the database): run -once spent 7.7-8.0 ms
// of CPU per 284 kB message, 5.9-7.0 ms with files (issue 12). PostgreSQL stores
// have none: several instances share the store, and a file on one host is
// not seen by another.
//
// A file is written and synced, and the directory synced, before the
// transaction that names it commits (as Postfix and mox do): a committed
// row never names a file that was not on disk. A file whose transaction
// did not commit is an orphan: removed when the transaction fails, else
// by the daemon's sweep at its next start (rawsweep.go).
type rawDir struct {
	path     string
	fileFrom int                     // the size from which a message's bytes get a file
	syncDir  func(path string) error // makes the directory's new names durable
	// owner, when set, is given the directory and each file made in it
	// (storeOwner: a process running as root, a database of another user).
	owner *fileOwner
	log   *slog.Logger
}

// openRawDir opens the raw directory of the store at dbPath, creating it
// (0700: mail is private) if it does not exist. Run as root on another
// user's database, it gives the directory to that user, even one an
// earlier run as root made its own.
func openRawDir(dbPath string, log *slog.Logger) (*rawDir, error) {
	d := &rawDir{path: dbPath + rawDirSuffix, fileFrom: defaultRawFileFrom, syncDir: syncDir,
		owner: storeOwner(dbPath), log: log}
	err := os.Mkdir(d.path, 0o700)
	if errors.Is(err, fs.ErrExist) {
		if err := d.check(); err != nil {
			return nil, err
		}
		return d, d.owner.givePath(d.path)
	}
	if err != nil {
		return nil, fmt.Errorf("create raw directory: %w", err)
	}
	if err := d.owner.givePath(d.path); err != nil {
		return nil, err
	}
	// The directory's own entry must be as durable as the files in it.
	if err := syncDir(filepath.Dir(d.path)); err != nil {
		return nil, fmt.Errorf("create raw directory %s: %w", d.path, err)
	}
	return d, nil
}

func (d *rawDir) check() error {
	fi, err := os.Stat(d.path)
	if err != nil {
		return fmt.Errorf("open raw directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("open raw directory: %s is not a directory", d.path)
	}
	return nil
}

// newRawName names a message's file before its row exists (the
// transaction assigns the row's id). It is random, never derived from the
// message: a retried batch, or a duplicate whose file is removed after
// commit, must never reuse (and so overwrite or remove) the name of a file
// a committed row names, and a batch whose commit failed leaves its files
// to the sweep, which may not have run before the retry. 128 random bits
// make a collision as good as impossible; O_EXCL makes one an error.
func newRawName() string { return rand.Text() + rawFileSuffix }

// isRawName reports whether name is one newRawName makes: the sweep
// removes nothing else, and a name read from the database opens nothing
// outside the directory.
func isRawName(name string) bool {
	base, ok := strings.CutSuffix(name, rawFileSuffix)
	if !ok || len(base) != rawNameLen {
		return false
	}
	return strings.IndexFunc(base, func(r rune) bool {
		return (r < 'A' || r > 'Z') && (r < '2' || r > '7')
	}) < 0
}

func (d *rawDir) file(name string) string { return filepath.Join(d.path, name) }

// create makes a new file for one message's bytes.
func (d *rawDir) create() (*os.File, error) {
	f, err := os.OpenFile(d.file(newRawName()), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create raw file: %w", err)
	}
	if err := d.owner.giveFile(f); err != nil {
		return nil, errors.Join(err, f.Close(), os.Remove(f.Name()))
	}
	return f, nil
}

// open opens the file name for reading; it streams from disk, so a big
// message is never on the heap whole.
func (d *rawDir) open(name string) (*os.File, error) {
	if !isRawName(name) {
		return nil, fmt.Errorf("raw file name %q in %s is not one caucusgate makes", name, d.path)
	}
	return os.Open(d.file(name))
}

// remove removes files no committed row names, as far as it can: what it
// leaves, the daemon's next sweep removes.
func (d *rawDir) remove(names ...string) {
	for _, name := range names {
		if err := os.Remove(d.file(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			d.log.Warn("remove raw file; the daemon's next start removes it", "error", err)
		}
	}
}

// sync makes the creation of the files in the directory durable.
func (d *rawDir) sync() error {
	if err := d.syncDir(d.path); err != nil {
		return fmt.Errorf("sync raw directory: %w", err)
	}
	return nil
}

// names lists the raw files in the directory, sorted.
func (d *rawDir) names() ([]string, error) {
	f, err := os.Open(d.path)
	if err != nil {
		return nil, fmt.Errorf("list raw directory: %w", err)
	}
	defer f.Close()
	all, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("list raw directory %s: %w", d.path, err)
	}
	names := slices.DeleteFunc(all, func(n string) bool { return !isRawName(n) })
	slices.Sort(names)
	return names, nil
}

func syncDir(path string) error {
	dir, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(dir.Sync(), dir.Close())
}
