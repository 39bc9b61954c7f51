package rules

import (
	"strings"
	"text/template"
)

const defaultRejectNotice = `Your message "{{.Subject}}" was not accepted by the bureau's gateway (rule {{.Rule}}).`

// noticeData is what a notice template sees.
type noticeData struct {
	From, Subject, MessageID, Rule string
}

func (c *compiler) noticeTemplate(path string, spec rejectSpec) *template.Template {
	text := spec.notice
	if text == "" {
		text = defaultRejectNotice
	}
	t, err := template.New(path).Option("missingkey=error").Parse(text)
	if err != nil {
		c.errorf(path, "bad notice template: %v; it may use {{.From}}, {{.Subject}}, {{.MessageID}} and {{.Rule}}", err)
		return template.Must(template.New(path).Parse(defaultRejectNotice))
	}
	if err := t.Execute(&strings.Builder{}, noticeData{}); err != nil {
		c.errorf(path, "bad notice template: %v; it may use {{.From}}, {{.Subject}}, {{.MessageID}} and {{.Rule}}", err)
	}
	return t
}

// renderNotice fills t for m; a template that fails at run time (it was
// tried at load, so only on odd data) falls back to the default text.
func renderNotice(t *template.Template, m *Message, rule string) string {
	var b strings.Builder
	data := noticeData{From: m.From, Subject: m.Subject, MessageID: m.MessageID, Rule: rule}
	if err := t.Execute(&b, data); err != nil {
		b.Reset()
		template.Must(template.New("default").Parse(defaultRejectNotice)).Execute(&b, data)
	}
	return b.String()
}
