// Package bounce reads delivery status notifications that come back to the
// bureau mailbox, says whom they are about and whether the failure counts
// against that person, and finds the VERP token that names the delivery.
//
// Parse reads RFC 3464 reports (multipart/report, RFC 6522, with a
// message/delivery-status part; message/global-delivery-status of RFC 6533
// too), and, as a best effort, the commonest bounces that are not in that
// format: qmail's, older Exim's and Exchange's plain-text non-delivery
// reports. Classify maps RFC 3463 enhanced status codes and the texts of the
// big providers to Hard, Soft or Policy; a Policy failure (DMARC, spam,
// reputation, blocklists, message content) is about the sender or the
// message, never about the member. IsDeliveryReport is the cheap test the
// loop guard applies to every message: reports are never forwarded.
//
// VERP (variable envelope return path) gives each delivery its own envelope
// sender, the account's address plus a token (package token), so that the
// report comes back to an address that names the delivery even when the
// reporting MTA rewrites or omits the recipient.
package bounce
