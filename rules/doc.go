// Package rules decides, for each message arriving in the bureau mailbox,
// which caucuses receive it: it compiles the rules file admins edit, reads
// the subject tags bureau members write, and explains every decision with a
// trace. It is pure decision logic: it reads its file and does no other I/O;
// the gateway parses MIME and hands it a [Message].
//
// # Order of evaluation
//
// [Set.Decide] takes these steps, in order; the first that decides ends it.
//
//  1. Never-forwarded guards, whatever rules and tags say (action none): our
//     own X-Loop; our List-Ids, <ID.caucus.DOMAIN> (RFC 2919); a Message-ID
//     the gateway says we forwarded; delivery reports (null or MAILER-DAEMON
//     sender, multipart/report, RFC 6522); auto-replies (Auto-Submitted:
//     auto-replied, RFC 3834; X-Autoreply; Precedence: auto_reply;
//     out-of-office subjects). Bulk mail (Precedence: bulk, Auto-Submitted:
//     auto-generated) is not caught: invitations come from mass mailers.
//  2. A reply: a recipient is the account's plus-address LOCAL+TOKEN@DOMAIN
//     (the Reply-To of our forwarded copies): action reply, with the token.
//  3. Subject tags (see below). An authorized member's tag adds its caucuses;
//     anyone else's is ignored without a notice, or holds the message when
//     bureau.hold_outsider_tags is set (approval routes by the tag).
//  4. The rules, in file order. A rule matches when every key of its `when`
//     matches; a rule without `when` matches every message. A matching rule
//     applies its actions in this order: forward adds its caucuses; then
//     hold, reject or discard (at most one), which end the evaluation; then
//     stop, which ends it too. Reject and discard cancel the caucuses chosen
//     before them, tags' included; hold keeps them for the moderator's
//     approval, and [Set.Resume] then runs the rules after the holding one.
//  5. When caucuses were chosen, the action is forward to all of them,
//     sorted, each once; a message above forwarding.max_message_size is held
//     instead, and so is one whose trusted result is dmarc=fail for a From
//     domain publishing p=quarantine or p=reject, under
//     forwarding.hold_dmarc_fail. Otherwise the action is none.
//
// Notices (a rejection, an unknown tag name, a held oversize message) go only
// to an authorized bureau member, never to other senders: no backscatter to
// forged addresses. The gateway sends [Decision.Notices] and nothing else.
//
// # Conditions
//
// from, to, cc: address globs (* any run, ? one character, case ignored;
// no wildcard means the exact address); to and cc match when one of the
// addresses does. subject, body and header (field name → expression): Go
// regular expressions, unanchored, against the decoded text; a header
// matches when one of its values does. list_id: a glob over the List-Id's id.
// attachment: a glob over attachment file names, or over media types when it
// holds a slash (application/pdf, image/*). size: "> 5MiB", "<= 100KiB".
// authenticated: true or false, whether the sender is authenticated under
// bureau.require_auth ([Set.SenderAuthenticated]); with require_auth set,
// a rule that forwards on from: alone gets a warning, since anyone can
// write any From. any, all: lists of condition blocks; not: one block.
//
// # Subject tags
//
// A tag is "[KEYWORD: names]" anywhere in the subject, which is decoded here
// from the raw header (RFC 2047), joining adjacent encoded words before the
// charset conversion, since mailers split words inside tags and characters.
// KEYWORD is one of bureau.tag_keywords (default caucus and to), in any case;
// the colon is optional after keywords of four letters or more and required
// after shorter ones ("[To be confirmed]" is no tag). Names are separated by
// commas and/or blanks and matched against caucus ids and tags ignoring case
// and accents. Authorization: the From is a bureau member, the header has
// one From, one Sender at most and one Subject, and, with
// bureau.require_auth (dkim or dmarc), the bureau's own provider says that
// method passed for the From domain: its topmost Authentication-Results
// field (RFC 8601) of an authserv-id in bureau.trusted_authserv, or
// caucusgate's own DKIM verification under bureau.verify: local. Package
// trust reads them ([Set.Verdict]); DKIM alignment is by organizational
// domain (RFC 7489 section 3.2).
package rules
