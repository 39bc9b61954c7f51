package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueStats reports the delivery queue: how many deliveries are pending,
// and how long the oldest of them has waited (0 when none is).
type QueueStats func(ctx context.Context) (depth int, oldest time.Duration, err error)

// queueStatsTimeout bounds one scrape's query of the store: Prometheus
// scrapes time out after 10 s by default, and a store that slow should show
// as caucusgate_queue_stats_up 0 rather than as a failed scrape.
const queueStatsTimeout = 5 * time.Second

// SetQueueStats installs the function that reads the queue at scrape time.
// Until it is called, the queue metrics are absent and
// caucusgate_queue_stats_up is 0.
func (m *Metrics) SetQueueStats(f QueueStats) {
	m.queue.stats.Store(&f)
}

// queueCollector asks the store at scrape time, so the numbers are never
// staler than the scrape and nothing polls the store between scrapes.
type queueCollector struct {
	stats  atomic.Pointer[QueueStats]
	depth  *prometheus.Desc
	oldest *prometheus.Desc
	up     *prometheus.Desc
}

func newQueueCollector() *queueCollector {
	return &queueCollector{
		depth: prometheus.NewDesc("caucusgate_queue_depth",
			"Deliveries pending in the queue.", nil, nil),
		oldest: prometheus.NewDesc("caucusgate_queue_oldest_pending_seconds",
			"How long the oldest pending delivery has waited, 0 when none is pending.", nil, nil),
		up: prometheus.NewDesc("caucusgate_queue_stats_up",
			"1 when the queue metrics could be read from the store at this scrape, 0 otherwise.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
	ch <- c.up
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.stats.Load()
	if f == nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), queueStatsTimeout)
	defer cancel()
	depth, oldest, err := (*f)(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, oldest.Seconds())
}
