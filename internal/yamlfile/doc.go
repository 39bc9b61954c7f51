// Package yamlfile decodes YAML configuration and rule files strictly and
// reports every problem at once, each with its file, line and column.
//
// goccy/go-yaml's Strict mode stops at the first unknown key, so this package
// parses the file to an AST (YAML 1.2, https://yaml.org/spec/1.2.2/), walks it
// against the target Go type's `yaml` struct tags, and reports every unknown
// key, duplicate key and type mismatch it finds before decoding. The YAML
// parser itself cannot recover from a syntax error, so at most one syntax error
// is reported per file, and then nothing else (the tree is incomplete).
//
// Diagnostics print as FILE:LINE:COLUMN: message, the form compilers use, so
// editors jump to them; [Diagnostics.Render] adds the source line and a caret.
// Callers attach their own semantic checks to a node with [Positions], keyed
// by a path such as accounts[0].imap.
package yamlfile
