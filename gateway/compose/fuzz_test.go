package compose

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

// FuzzWrite: whatever comes in, Write either refuses it as malformed or
// writes a copy that go-message and net/mail read, with header lines within
// RFC 5322's limit; when the input itself is well-formed, the copy's parts
// decode to the input's bytes (in encapsulate mode, the input is attached
// byte for byte).
func FuzzWrite(f *testing.F) {
	for _, pattern := range []string{"*.eml", "malformed/*.eml"} {
		files, _ := filepath.Glob(filepath.Join("testdata", pattern))
		for _, file := range files {
			f.Add(readFile(f, file), uint8(0))
		}
	}
	f.Add([]byte("Subject: =?utf-8?q?=E2=82?=\n\n"), uint8(1))
	specs := malformedSpecs()
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		spec := specs[int(mode)%len(specs)]
		var out bytes.Buffer
		if err := Write(&out, spec, bytes.NewReader(in)); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Write: %v (not ErrMalformed)", err)
			}
			return
		}
		checkWellFormed(t, out.Bytes())
		if parsesStrictly(in) {
			checkKeepsOriginal(t, spec.Mode, in, out.Bytes())
		}
	})
}
