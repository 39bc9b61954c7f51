package gateway

import (
	"context"
	"fmt"

	"caucusgate/queue"
)

// RotateTokenKey adds a new key that signs the gateway's tokens (Reply-To,
// VERP, moderation, unsubscribe) from the next start on, and returns how
// many keys verify them now: the tokens signed with older keys stay valid
// until they expire (queue.SecretRetention).
func RotateTokenKey(ctx context.Context, store *queue.Store) (int, error) {
	if _, err := store.Secret(ctx, tokenSecret, 32); err != nil {
		return 0, fmt.Errorf("rotate token key: %w", err)
	}
	if _, err := store.RotateSecret(ctx, tokenSecret, 32); err != nil {
		return 0, fmt.Errorf("rotate token key: %w", err)
	}
	keys, err := store.SecretKeys(ctx, tokenSecret)
	if err != nil {
		return 0, fmt.Errorf("rotate token key: %w", err)
	}
	return len(keys), nil
}
