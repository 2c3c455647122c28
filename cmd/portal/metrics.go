package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tierdesk/tierdesk/internal/store"
)

// opsCollector reads, at each scrape, what only the database knows: River's jobs by kind and
// state with the age of the oldest queued, and the Zoom grants by kind and status with those
// expiring. Labels are bounded: job kinds and states, grant kinds and statuses.
type opsCollector struct {
	st  *store.Store
	log *slog.Logger

	jobs, oldest, grants, expiring, up *prometheus.Desc
}

func newOpsCollector(st *store.Store, log *slog.Logger) *opsCollector {
	return &opsCollector{st: st, log: log,
		jobs:     prometheus.NewDesc("tierdesk_jobs", "River jobs by kind and state (available = queued, running, retryable, scheduled, completed, cancelled, discarded).", []string{"kind", "state"}, nil),
		oldest:   prometheus.NewDesc("tierdesk_jobs_oldest_queued_seconds", "How long the oldest available (queued) job of a kind has waited to run.", []string{"kind"}, nil),
		grants:   prometheus.NewDesc("tierdesk_zoom_grants", "Zoom grants (user sign-ins and Server-to-Server apps) by kind and status (active, expired, revoked).", []string{"kind", "status"}, nil),
		expiring: prometheus.NewDesc("tierdesk_zoom_grants_expiring", "Active user grants not refreshed for 60 days: their owners may soon need to sign in again (Zoom's refresh tokens may live only 90 days).", []string{"kind"}, nil),
		up:       prometheus.NewDesc("tierdesk_ops_stats_up", "1 when the database answered the jobs and grants statistics of this scrape, 0 when not.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *opsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.jobs, c.oldest, c.grants, c.expiring, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *opsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	jobs, grants, err := c.st.OpsStats(ctx)
	if err != nil {
		c.log.Warn("metrics: read job and grant statistics", "error", err)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	oldest := map[string]float64{}
	for _, j := range jobs {
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(j.Count), j.Kind, j.State)
		if j.State == "available" {
			oldest[j.Kind] = max(oldest[j.Kind], j.OldestWait.Seconds())
		} else if _, ok := oldest[j.Kind]; !ok {
			oldest[j.Kind] = 0
		}
	}
	for kind, s := range oldest {
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, s, kind)
	}
	expiring := map[string]int{"user": 0, "s2s": 0}
	for _, g := range grants {
		ch <- prometheus.MustNewConstMetric(c.grants, prometheus.GaugeValue, float64(g.Count), g.Kind, g.Status)
		expiring[g.Kind] += g.Expiring
	}
	for kind, n := range expiring {
		ch <- prometheus.MustNewConstMetric(c.expiring, prometheus.GaugeValue, float64(n), kind)
	}
}
