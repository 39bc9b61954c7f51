package main

import (
	"os"
	"strings"
	"testing"
)

// TestNoBrowserInTheModule: chromedp serves only the browser test, a
// module of its own (e2e/browser), never a requirement of caucusgate's.
func TestNoBrowserInTheModule(t *testing.T) {
	src, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), "chromedp") {
		t.Fatalf("go.mod requires chromedp; the browser test's module (e2e/browser) should:\n%s", src)
	}
}
