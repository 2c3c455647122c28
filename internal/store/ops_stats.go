package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// JobStat is how many River jobs of a kind are in a state, and for available (queued) jobs
// how long the oldest has waited.
type JobStat struct {
	Kind, State string
	Count       int
	OldestWait  time.Duration // available jobs only: now - the oldest's scheduled time
}

// GrantStat counts the Zoom grants of a kind in a status; Expiring counts the active user
// grants not refreshed for GrantStaleAfter (Zoom's refresh tokens may live only 90 days).
type GrantStat struct {
	Kind, Status string
	Count        int
	Expiring     int
}

// GrantStaleAfter is how long an active user grant may go without a refresh before it counts
// as expiring: Zoom documents refresh tokens of 90 days in older texts (15 years in newer
// ones), so a grant unused this long may need its owner to sign in again within a month.
const GrantStaleAfter = 60 * 24 * time.Hour

// OpsStats reads what the operator's metrics show: River's jobs by kind and state (not
// tenant data), and every partner's grants by kind and status (counts only, read partner by
// partner under row-level security, in one round trip).
func (s *Store) OpsStats(ctx context.Context) ([]JobStat, []GrantStat, error) {
	var jobs []JobStat
	rows, err := s.pool.Query(ctx, `SELECT kind, state::text, count(*),
		COALESCE(EXTRACT(EPOCH FROM now() - min(scheduled_at) FILTER (WHERE state = 'available')), 0)
		FROM river_job GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var j JobStat
		var wait float64
		if err := rows.Scan(&j.Kind, &j.State, &j.Count, &wait); err != nil {
			rows.Close()
			return nil, nil, err
		}
		j.OldestWait = time.Duration(wait * float64(time.Second))
		jobs = append(jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}

	var partners []int64
	prow, err := s.pool.Query(ctx, `SELECT id FROM partners ORDER BY id`)
	if err != nil {
		return nil, nil, err
	}
	for prow.Next() {
		var id int64
		if err := prow.Scan(&id); err != nil {
			prow.Close()
			return nil, nil, err
		}
		partners = append(partners, id)
	}
	prow.Close()
	if err := prow.Err(); err != nil {
		return nil, nil, err
	}
	sum := map[[2]string]*GrantStat{}
	var order [][2]string
	if len(partners) > 0 {
		b := &pgx.Batch{}
		for _, id := range partners {
			b.Queue("SELECT set_config('tierdesk.partner_id', $1, true)", strconv.FormatInt(id, 10))
			b.Queue(`SELECT kind, status, count(*), count(*) FILTER (WHERE kind = 'user' AND status = 'active' AND updated_at < now() - $1 * interval '1 second')
				FROM zoom_grants WHERE partner_id = (SELECT tierdesk_partner()) GROUP BY kind, status`, int64(GrantStaleAfter/time.Second)).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var kind, status string
					var n, expiring int
					if err := rows.Scan(&kind, &status, &n, &expiring); err != nil {
						return err
					}
					k := [2]string{kind, status}
					if sum[k] == nil {
						sum[k] = &GrantStat{Kind: kind, Status: status}
						order = append(order, k)
					}
					sum[k].Count += n
					sum[k].Expiring += expiring
				}
				return rows.Err()
			})
		}
		if err := translate(s.pool.SendBatch(ctx, b).Close()); err != nil {
			return nil, nil, err
		}
	}
	grants := make([]GrantStat, 0, len(order))
	for _, k := range order {
		grants = append(grants, *sum[k])
	}
	return jobs, grants, nil
}
