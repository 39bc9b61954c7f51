package rules

import (
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strings"

	"caucusgate/internal/yamlfile"
)

// compileWhen compiles one `when` block: every key present must match.
func (c *compiler) compileWhen(path string, w *fileWhen) cond {
	all := allOf{what: "when"}
	add := func(cd cond, ok bool) {
		if ok {
			all.conds = append(all.conds, cd)
		}
	}
	if w.From != "" {
		add(c.addressCond(path+".from", "from", w.From, fromField))
	}
	if w.To != "" {
		add(c.addressCond(path+".to", "to", w.To, toField))
	}
	if w.Cc != "" {
		add(c.addressCond(path+".cc", "cc", w.Cc, ccField))
	}
	if w.Subject != "" {
		add(c.textCond(path+".subject", "subject", w.Subject, subjectField))
	}
	for _, name := range sortedKeys(w.Header) {
		field := textproto.CanonicalMIMEHeaderKey(name)
		add(c.textCond(yamlfile.Key(path+".header", name), "header "+field, w.Header[name], headerField(field)))
	}
	if w.Body != "" {
		add(c.textCond(path+".body", "body", w.Body, bodyField))
	}
	if w.ListID != "" {
		add(c.listIDCond(path+".list_id", w.ListID))
	}
	if w.Attachment != "" {
		add(c.attachmentCond(path+".attachment", w.Attachment))
	}
	if w.Size != "" {
		add(c.sizeCond(path+".size", w.Size))
	}
	if w.Authenticated != nil {
		add(c.authCond(path+".authenticated", *w.Authenticated))
	}
	c.compileNested(path, w, &all)
	return newAllOf(all.what, all.conds)
}

// compileNested compiles any, all and not.
func (c *compiler) compileNested(path string, w *fileWhen, all *allOf) {
	if len(w.Any) > 0 {
		var conds []cond
		for i := range w.Any {
			conds = append(conds, c.compileWhen(yamlfile.Index(path+".any", i), &w.Any[i]))
		}
		all.conds = append(all.conds, newAnyOf(conds))
	}
	if len(w.All) > 0 {
		a := allOf{what: "all"}
		for i := range w.All {
			a.conds = append(a.conds, c.compileWhen(yamlfile.Index(path+".all", i), &w.All[i]))
		}
		all.conds = append(all.conds, newAllOf(a.what, a.conds))
	}
	if w.Not != nil {
		all.conds = append(all.conds, notOf{inner: c.compileWhen(path+".not", w.Not)})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (c *compiler) addressCond(path, key, pattern string, field func(*input) []string) (cond, bool) {
	g, err := compileAddressGlob(pattern)
	if err != nil {
		c.errorf(path, "%v", err)
		return nil, false
	}
	return addressCond{what: fmt.Sprintf("%s %q", key, pattern), key: key, field: field, glob: g}, true
}

func (c *compiler) textCond(path, key, expr string, field func(*input) []string) (cond, bool) {
	tc, err := newTextCond(key, expr, field)
	if err != nil {
		c.errorf(path, "bad regular expression %q: %v", expr, regexpProblem(err))
		return nil, false
	}
	tc.slot = c.fieldSlot(key)
	return tc, true
}

func newTextCond(key, expr string, field func(*input) []string) (textCond, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return textCond{}, err
	}
	tc := textCond{what: fmt.Sprintf("%s =~ %q", key, expr), field: field, re: re}
	if lits, fold, ok := literalsOf(expr); ok {
		tc.lits, tc.fold = lits, fold
		for _, l := range lits {
			tc.litWhys = append(tc.litWhys, matchedWhy(l))
		}
	} else {
		tc.need, tc.needFold, tc.needLeads = requiredLiteral(expr)
	}
	return tc, nil
}

// regexpProblem returns what regexp says is wrong, without its repeated
// "error parsing regexp: " prefix.
func regexpProblem(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}
