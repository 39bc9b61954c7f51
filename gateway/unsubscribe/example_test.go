package unsubscribe_test

import (
	"fmt"
	"net/url"
	"strings"

	"caucusgate/gateway/token"
	"caucusgate/gateway/unsubscribe"
)

// The List-Unsubscribe field of one roster member's copy, with RFC 8058's
// List-Unsubscribe-Post because the second link is https:.
func ExampleLinks() {
	keys, err := token.NewKeyring([]byte("a master key of at least 16 bytes"))
	if err != nil {
		panic(err)
	}
	base, _ := url.Parse("https://lists.example.org/caucusgate/")
	cfg := unsubscribe.Config{Keyring: keys, PublicURL: base}
	mailto, https := unsubscribe.Links(cfg, "gender", "ana@example.org", "bureau@example.org")
	fmt.Println(mailto)
	fmt.Println(strings.HasPrefix(https, "https://lists.example.org/caucusgate/u/"))
	// Output:
	// mailto:bureau@example.org?subject=unsubscribe%20gender
	// true
}
