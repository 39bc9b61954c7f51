package imapwatch

import (
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchBodies fetches section of every message in set into into, by UID.
// Unlike FetchCommand.Collect, which grows each literal with io.ReadAll
// (about twice its size allocated, half of it garbage), each literal is
// read into one buffer of the size the server announced, or, when sp is
// set and it is larger than spoolAbove, into a mapped spool file (issue
// 12, peak memory).
func (ss *session) fetchBodies(set imap.UIDSet, section *imap.FetchItemBodySection, into map[uint32][]byte, sp *spool) error {
	if len(set) == 0 {
		return nil
	}
	opts := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}
	cmd := ss.cn.c.Fetch(set, opts)
	defer cmd.Close()
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		uid, body, err := readFetched(msg, sp)
		if err != nil {
			return fmt.Errorf("fetch messages %s: %w", set, err)
		}
		if uid != 0 && body != nil {
			into[uid] = body
		}
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("fetch messages %s: %w", set, err)
	}
	return nil
}

// readFetched reads one message's UID and body section, whatever their
// order in the response.
func readFetched(msg *imapclient.FetchMessageData, sp *spool) (uid uint32, body []byte, err error) {
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = uint32(item.UID)
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil {
				continue // NIL: the server has no such section
			}
			if body, err = readLiteral(item.Literal, sp); err != nil {
				return 0, nil, err
			}
		}
	}
	return uid, body, nil
}

// maxPrealloc bounds the buffer allocated on a server's word alone; a
// larger literal grows as it arrives, so a lying server costs only what
// it sends.
const maxPrealloc = 256 << 20

// readLiteral reads a literal into a buffer of exactly its size, or into
// sp when it is large.
func readLiteral(lit imap.LiteralReader, sp *spool) ([]byte, error) {
	n := lit.Size()
	if sp != nil && n > spoolAbove {
		return sp.read(lit, n)
	}
	if n < 0 || n > maxPrealloc {
		return io.ReadAll(lit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(lit, b); err != nil {
		return nil, fmt.Errorf("read literal of %d bytes: %w", n, err)
	}
	return b, nil
}
