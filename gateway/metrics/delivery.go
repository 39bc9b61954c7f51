package metrics

// DeliveryResult is the outcome of one SMTP delivery attempt.
type DeliveryResult string

// The delivery results.
const (
	Sent     DeliveryResult = "sent"     // the relay accepted the message
	Deferred DeliveryResult = "deferred" // a temporary failure; the attempt will be retried
	Failed   DeliveryResult = "failed"   // a permanent failure; no more attempts
)

// Delivery counts one delivery attempt by its result.
func (m *Metrics) Delivery(result DeliveryResult) {
	switch result {
	case Sent, Deferred, Failed:
	default:
		// An unknown result is a caller bug; counting it as failed keeps the
		// label set bounded and makes the attempt visible to alerts.
		result = Failed
	}
	m.deliveries.WithLabelValues(string(result)).Inc()
}
