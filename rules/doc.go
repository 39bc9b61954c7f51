// Package rules decides, for each message arriving in the bureau mailbox,
// which caucuses receive it: it compiles the rules file admins edit, reads
// the subject tags bureau members write, and explains every decision with a
// trace. It is pure decision logic: it reads its file and does no other I/O;
// the gateway parses MIME and hands it a [Message].
//
// # Evaluation
//
// [Set.Decide] first runs the never-forwarded guards: our own X-Loop, our
// List-Ids (<ID.caucus.DOMAIN>, RFC 2919). A message any guard catches is
// never forwarded, whatever rules and tags say (action none).
//
// Then the rules run in file order. A rule matches when every key of its
// `when` matches (a rule without `when` matches every message); addresses
// are compared with globs (* any run, ? one character, case ignored; no
// wildcard means the exact address), text with Go regular expressions,
// unanchored. A matching rule's `forward` adds its caucuses to the message's;
// `stop: true` ends the evaluation after that rule. The decision forwards to
// the union of the caucuses chosen, sorted, each once.
package rules
