package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"caucusgate/gateway/compose"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/gateway/metrics"
	"caucusgate/gateway/smtprelay"
	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules/schedule"
)

// scheduler relays what waits for a slot (caucus replies to inviters) when
// the slot comes. Slots are computed, never ticked: at each pass, the latest
// slot since a schedule's last run is run once, so runs missed while the
// daemon was down are caught up once, not once per missed slot. Every batch
// has an idempotency key (schedule, slot, destination) kept in the store:
// only a crash between the relay's acceptance and our record of it can
// repeat one, and its fixed Message-ID lets mail clients fold the repeat.
type scheduler struct {
	store    *queue.Store
	relay    *smtprelay.Relay
	signer   compose.Signer // nil: no DKIM signature
	tokens   *token.Keyring // seals the Reply-To tokens of relayed replies
	rules    *RulesHolder
	accounts map[string]Account
	instance string // the store's instance: a dead one's slot claims are released
	now      func() time.Time
	log      *slog.Logger
	metrics  *metrics.Metrics
	// invitations sets the invitations' reminders and summary (invitations.go).
	invitations  *invitations.Options
	remindedSlot time.Time // the last reminders' slot this instance ran
}

// schedulerRetry spaces the attempts of a batch that failed temporarily;
// the store doubles it after each further failure.
const schedulerRetry = time.Minute

// pass runs every schedule's due slot. Errors of one schedule do not stop
// the others.
func (s *scheduler) pass(ctx context.Context) error {
	specs, err := s.specs(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, spec := range specs {
		ran, err := s.run(ctx, spec)
		if s.metrics != nil && (ran || err != nil) {
			s.metrics.ScheduleRun(spec, err)
		}
		errs = append(errs, err)
	}
	errs = append(errs, s.remindInvitations(ctx), s.summarize(ctx))
	return errors.Join(errs...)
}

// specs are the schedules with something waiting.
func (s *scheduler) specs(ctx context.Context) ([]string, error) {
	infos, err := s.store.Schedules(ctx)
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var specs []string
	for _, info := range infos {
		if !slices.Contains(specs, info.Spec) {
			specs = append(specs, info.Spec)
		}
	}
	return specs, nil
}

// run sends a schedule's open batches (left by a crash or a temporary
// failure), then batches and sends what is due at its latest slot. ran
// says whether a slot with items was run: most passes find none due.
func (s *scheduler) run(ctx context.Context, spec string) (ran bool, err error) {
	sched, err := schedule.Parse(spec)
	if err != nil {
		return false, fmt.Errorf("schedule %q: %w", spec, err)
	}
	open, err := s.store.OpenBatches(ctx, spec)
	if err != nil {
		return false, err
	}
	for _, b := range open {
		s.send(ctx, b)
	}
	last, _, err := s.store.LastRun(ctx, spec)
	if err != nil {
		return false, err
	}
	slot, due := sched.CatchUp(last, s.now())
	if !due {
		return false, nil
	}
	return s.runSlot(ctx, sched, slot)
}

func (s *scheduler) runSlot(ctx context.Context, sched *schedule.Schedule, slot time.Time) (ran bool, err error) {
	spec := sched.String()
	items, err := s.store.DuePending(ctx, spec, slot)
	if err != nil {
		return false, err
	}
	if len(items) > 0 {
		claimed, err := s.store.ClaimSlot(ctx, spec, slot, s.instance)
		if err != nil {
			return false, err
		}
		if !claimed {
			return false, nil // another instance runs this slot
		}
		s.log.Info("schedule slot", "schedule", spec, "slot", slot, "items", len(items))
		for _, group := range queue.GroupByDestination(items) {
			if err := s.batch(ctx, spec, slot, group); err != nil {
				return true, err
			}
		}
	}
	if sched.IsImmediate() && len(items) == 0 {
		return false, nil // nothing to record every second
	}
	return len(items) > 0, s.store.SetLastRun(ctx, spec, slot)
}

func (s *scheduler) batch(ctx context.Context, spec string, slot time.Time, group []queue.PendingItem) error {
	ids := make([]int64, len(group))
	for i, it := range group {
		ids[i] = it.ID
	}
	b, err := s.store.BeginBatch(ctx, queue.BatchKey{Schedule: spec, Slot: slot, Destination: group[0].Destination}, ids)
	if err != nil {
		return err
	}
	s.send(ctx, b)
	return nil
}

// send relays one batch if this instance holds its slot (only the
// claimant sends: another instance resending an open batch while the
// claimant's DATA is slow sent it twice), unless it is no longer open or
// waits after a temporary failure (a backoff stored, which every instance
// honours); the "sent" record is written as soon as the relay accepts.
func (s *scheduler) send(ctx context.Context, b queue.Batch) {
	if b.State != queue.BatchOpen || len(b.Items) == 0 || b.Waiting || !s.holdSlot(ctx, b.Key) {
		return
	}
	err := s.relayBatch(ctx, b)
	switch {
	case errors.Is(err, errSlotLost):
		s.log.Warn("batch left to the instance that took its slot over", "schedule", b.Key.Schedule, "to", b.Key.Destination)
	case err == nil:
		if err := s.store.MarkBatchSent(ctx, b.Key); err != nil {
			s.log.Error("record relayed batch", "schedule", b.Key.Schedule, "to", b.Key.Destination, "error", err)
			return
		}
		s.log.Info("replies relayed", "schedule", b.Key.Schedule, "slot", b.Key.Slot, "to", b.Key.Destination, "items", len(b.Items))
	case smtprelay.Temporary(err):
		if err := s.store.DeferBatch(ctx, b.Key, err.Error(), schedulerRetry); err != nil {
			s.log.Error("record deferred batch", "error", err)
		}
		s.log.Warn("relay of replies deferred", "schedule", b.Key.Schedule, "to", b.Key.Destination, "error", err)
	default:
		s.log.Error("relay of replies failed", "schedule", b.Key.Schedule, "to", b.Key.Destination, "error", err)
		if err := s.store.MarkBatchFailed(ctx, b.Key, err.Error()); err != nil {
			s.log.Error("record failed batch", "error", err)
		}
	}
}

// holdSlot claims, or renews, this instance's claim on the batch's slot:
// called before each SMTP transaction, so the claim (queue.SlotClaimTTL)
// outlasts the longest DATA reply.
func (s *scheduler) holdSlot(ctx context.Context, key queue.BatchKey) bool {
	ok, err := s.store.ClaimSlot(ctx, key.Schedule, key.Slot, s.instance)
	if err != nil {
		s.log.Warn("claim slot of a batch", "schedule", key.Schedule, "slot", key.Slot, "error", err)
	}
	return ok
}

// loop runs passes until ctx ends: every second, so that an immediate
// relay goes at once and a cron slot within a second of its time.
func (s *scheduler) loop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if err := s.pass(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("schedule pass", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
