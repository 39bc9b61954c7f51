package gateway

import (
	"context"
	"net"
	"strings"
	"time"

	"caucusgate/gateway/compose"
	"caucusgate/rules"
	"caucusgate/trust"
)

// authenticate does the look-ups sender authentication needs, before the
// rules decide (rules does no I/O): under bureau.verify: local, the DKIM
// signatures are verified here (trust.Verify); under
// forwarding.hold_dmarc_fail, the DMARC policy of a From domain whose
// trusted result is dmarc=fail is looked up. What fails is a warning: the
// message is then not authenticated, or not held for its policy.
func authenticate(ctx context.Context, r trust.Resolver, dmarc *compose.DMARC, set *rules.Set, msg *inbound, raw []byte) {
	if set.Bureau().Verify == "local" && r != nil {
		sigs, err := trust.Verify(ctx, r, raw)
		if err != nil {
			msg.warn("dkim: %v", err)
		}
		msg.Facts.LocalDKIM = sigs
	}
	if set.Forwarding().HoldDMARCFail && dmarc != nil {
		msg.Facts.DMARCPolicy = failedPolicy(ctx, dmarc, set, msg)
	}
}

// failedPolicy returns the DMARC policy of the From domain when the
// trusted result for it is dmarc=fail, "" otherwise.
func failedPolicy(ctx context.Context, dmarc *compose.DMARC, set *rules.Set, msg *inbound) string {
	_, domain, ok := strings.Cut(msg.Facts.From, "@")
	if !ok || set.Verdict(&msg.Facts).DMARC(domain) != "fail" {
		return ""
	}
	p, err := dmarc.Policy(ctx, domain)
	if err != nil {
		msg.warn("dmarc policy of %s: %v", domain, err)
		return ""
	}
	return string(p.Policy)
}

// explainLookups bounds the look-ups `caucusgate test` and `replay` make
// for a message, through the system's resolver.
const explainLookups = 10 * time.Second

// authenticateForExplain is authenticate for Explain, which has no
// gateway: the system's resolver, no cache.
func authenticateForExplain(set *rules.Set, msg *inbound, raw []byte) {
	if set.Bureau().Verify != "local" && !set.Forwarding().HoldDMARCFail {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), explainLookups)
	defer cancel()
	authenticate(ctx, net.DefaultResolver, compose.NewDMARC(net.DefaultResolver, time.Now, time.Minute), set, msg, raw)
}
