// Package browser is the real-browser test of the admin page: the built
// caucusgate daemon driven by Debian's Chromium through chromedp, with
// Dovecot and Postfix from internal/mailstack.
//
// It is a module of its own (caucusgate/e2e/browser, with caucusgate
// replaced by the repository's root) so that chromedp is no requirement of
// the caucusgate module: `go mod graph` there does not name it. Its path
// lies under caucusgate/, so it may import caucusgate's internal packages.
// scripts/e2e runs it; without CAUCUSGATE_E2E=1 it skips, and with it a
// missing Chromium is a failure, not a skip.
package browser
