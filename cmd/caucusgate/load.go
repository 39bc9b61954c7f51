package main

import (
	"bytes"
	"fmt"
	"github.com/goccy/go-yaml"
	"io"
	"os"
	"path/filepath"

	"caucusgate/internal/yamlfile"
	"caucusgate/rules"
)

// config is a loaded, checked configuration: the config file and the rule
// set it names.
type config struct {
	path      string
	file      fileConfig
	rulesPath string
	rules     *rules.Set
}

// resolve makes a path relative to the config file's folder.
func (cfg *config) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(cfg.path), p)
}

// loadConfig reads and checks the config file and its rules file. Every
// problem of both is written to diagOut (FILE:LINE:COLUMN: message, the line
// and a caret); any error makes it a usage error (exit 2).
func loadConfig(path string, diagOut io.Writer) (*config, error) {
	return loadConfigChecked(path, diagOut, nil)
}

// loadConfigChecked is loadConfig with more checks of the decoded config
// (check's look at the secret files), reported with the others. The lines
// shown have their secrets masked.
func loadConfigChecked(path string, diagOut io.Writer, more func(*config) []problem) (*config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("read config: %v", err)
	}
	cfg := &config{path: path}
	pos, diags := yamlfile.DecodeWithPositions(path, src, &cfg.file)
	decoded := decodedLeniently(diags, src, &cfg.file)
	if decoded {
		ps := checkConfig(&cfg.file)
		if more != nil {
			ps = append(ps, more(cfg)...)
		}
		for _, p := range ps {
			diags = append(diags, toDiagnostic(pos, p))
		}
	}
	sources := map[string][]byte{path: src}
	// The rules file is checked whenever the config names it, so that one
	// `check` reports the problems of both files.
	if decoded {
		cfg.rulesPath = cfg.resolve(orString(cfg.file.Rules, defaultRules))
		set, rdiags, rerr := loadRules(cfg.rulesPath)
		if rerr != nil && len(rdiags) == 0 {
			diags = append(diags, pos.Errorf("rules", "%v", rerr))
		}
		diags = append(diags, rdiags...)
		cfg.rules = set
		if src, err := os.ReadFile(cfg.rulesPath); err == nil {
			sources[cfg.rulesPath] = src
		}
	}
	if len(diags) > 0 {
		var out bytes.Buffer
		if err := diags.Sorted().RenderFiles(&out, func(f string) []byte { return maskSecrets(sources[f]) }); err != nil {
			return nil, fmt.Errorf("print problems: %w", err)
		}
		if _, err := diagOut.Write(maskURLPasswords(out.Bytes())); err != nil {
			return nil, fmt.Errorf("print problems: %w", err)
		}
	}
	if diags.HasErrors() {
		return nil, usagef("%s and its rules file: %s", path, plural(len(diags.Errors()), "error"))
	}
	return cfg, nil
}

// loadRules reads a rules file. A set comes back only when the file has no
// errors; its warnings come back either way.
func loadRules(path string) (*rules.Set, yamlfile.Diagnostics, error) {
	return rules.Load(path)
}

func toDiagnostic(pos *yamlfile.Positions, p problem) yamlfile.Diagnostic {
	if p.Warning {
		return pos.Warnf(p.Path, "%s", p.Message)
	}
	return pos.Errorf(p.Path, "%s", p.Message)
}

// decodedLeniently reports whether file holds the config's values, so that
// its semantic checks can run: always when the strict decode succeeded, and
// after keys-only mistakes (an unknown key) by a lenient decode, so that an
// admin sees every problem at once rather than one round at a time.
func decodedLeniently(diags yamlfile.Diagnostics, src []byte, file *fileConfig) bool {
	if !diags.HasErrors() {
		return true
	}
	return yaml.Unmarshal(src, file) == nil
}

// plural writes "1 error", "3 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
